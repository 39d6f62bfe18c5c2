import { expect, test } from 'vitest';
import { joinAdvice } from './report.js';
import { NOT_JOINED } from './stats.js';

test('bots that did not join are reported by cause, with what to change', () => {
  expect(joinAdvice({ LIFE_ERR_RATE_LIMITED: 401 }, 1000, 'POST /players')).toEqual([
    'rate limited: 401 of 1,000 joins refused with LIFE_ERR_RATE_LIMITED; pass --admin-token or raise RATE_LIMIT_PER_MINUTE on the server',
  ]);
  const lines = joinAdvice(
    { [NOT_JOINED]: 2, LIFE_ERR_PLAYER_CREATE_RATE_LIMITED: 970, LIFE_ERR_TIMEOUT: 5, LIFE_ERR_TOO_MANY_PLAYERS: 3 },
    1000,
    'POST /players',
  );
  expect(lines[0]).toBe(
    'rate limited: 970 of 1,000 joins refused with LIFE_ERR_PLAYER_CREATE_RATE_LIMITED; pass --admin-token (players are then created through POST /admin/players, which no per-address limit applies to) or raise PLAYER_CREATE_PER_MINUTE on the server',
  );
  expect(lines[1]).toMatch(/^timeout: 5 of 1,000 joins timed out \(LIFE_ERR_TIMEOUT\); the server is overloaded/);
  expect(lines[2]).toMatch(/^refused: 3 of 1,000 joins refused with LIFE_ERR_TOO_MANY_PLAYERS; .*MAX_PLAYERS/);
  expect(lines[3]).toMatch(/^run ended: 2 of 1,000 bots had not joined when the run ended; lengthen --duration/);
  // With the admin token, the general limit is the only one left to raise.
  expect(joinAdvice({ LIFE_ERR_RATE_LIMITED: 1 }, 10, 'POST /admin/players (admin token)')[0]).toMatch(/; raise RATE_LIMIT_PER_MINUTE on the server$/);
});
