/**
 * Player name validation. Names are display names shown on the leaderboard, not
 * identities: two players may share one (the id is the identity).
 */
import { LifeError } from '@lifemmo/shared';

/** Longest name, in characters. */
export const MAX_NAME_LENGTH = 32;

// Letters and digits of any script, spaces, '-' and '_'. No control or formatting
// characters, so a name cannot break a log line or a terminal leaderboard.
const NAME_PATTERN = /^[\p{L}\p{N} _-]+$/u;

/**
 * Normalise (NFC, trimmed, inner runs of spaces collapsed) and validate a player name.
 * @throws LifeError LIFE_ERR_BAD_NAME when empty, longer than 32 characters or with other characters.
 */
export function validatePlayerName(raw: string): string {
  const name = raw.normalize('NFC').trim().replace(/ {2,}/g, ' ');
  const length = [...name].length;
  if (length === 0 || length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    throw new LifeError('BAD_NAME');
  }
  return name;
}
