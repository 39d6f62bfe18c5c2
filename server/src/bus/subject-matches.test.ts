// Subscription patterns as NATS has them: literal subjects, `*` for one token, a trailing
// `>` for one or more.
import { describe, expect, it } from 'vitest';
import { subjectMatches } from './bus.js';

describe('subjectMatches', () => {
  it('matches a literal pattern to itself only', () => {
    expect(subjectMatches('w.main.diff.3', 'w.main.diff.3')).toBe(true);
    expect(subjectMatches('w.main.diff.3', 'w.main.diff.30')).toBe(false);
    expect(subjectMatches('w.main.diff', 'w.main.diff.3')).toBe(false);
  });

  it('matches `*` to exactly one token and a trailing `>` to one or more', () => {
    expect(subjectMatches('w.*.diff.3', 'w.main.diff.3')).toBe(true);
    expect(subjectMatches('w.*.diff', 'w.main.diff.3')).toBe(false);
    expect(subjectMatches('w.main.>', 'w.main.diff.3')).toBe(true);
    expect(subjectMatches('w.main.>', 'w.main')).toBe(false);
    expect(subjectMatches('w.*.>', 'w.main.tick')).toBe(true);
  });
});
