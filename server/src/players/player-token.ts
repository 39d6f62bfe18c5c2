/**
 * Bearer tokens: 32 random bytes, base64url. The server keeps only their SHA-256, so a
 * leaked registry (or a later snapshot of it) does not leak the tokens.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Bytes of entropy in a token. */
export const TOKEN_BYTES = 32;

/** A fresh random token (43 base64url characters). */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The hex SHA-256 of a token: what the registry stores and looks up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
