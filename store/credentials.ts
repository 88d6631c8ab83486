import { randomBytes, scrypt, timingSafeEqual, createHash, type ScryptOptions } from 'node:crypto';

const TOKEN_BYTES = 32;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/**
 * Tokens are 256 random bits, so their strength comes from entropy, not from KDF cost; the
 * low cost keeps a fleet reconnecting after a broker restart cheap (about 2 ms per token here).
 * The parameters are stored with each hash, so raising them later needs no migration.
 */
const SCRYPT_COST: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>> = { N: 1024, r: 8, p: 1 };
const HASH_PREFIX = 'scrypt';

/** A new random secret, URL-safe, for device tokens and API keys. */
export function generateSecret(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function derive(secret: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, cost, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, SCRYPT_COST);
  const { N, r, p } = SCRYPT_COST;
  return [HASH_PREFIX, N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [prefix, N, r, p, salt, hash] = stored.split('$');
  if (prefix !== HASH_PREFIX || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random secret nobody holds, at the current cost; made at the first unknown identity. */
let unmatchableHash: Promise<string> | undefined;

/**
 * verifySecret against the identity's stored hash; for an unknown identity (`stored` undefined),
 * false, after verifying against a hash of the same cost: refusing an unknown id takes as long as
 * refusing a wrong secret, so the time of the answer does not tell which ids exist.
 */
export async function verifyStoredSecret(secret: string, stored: string | undefined): Promise<boolean> {
  if (stored !== undefined) return verifySecret(secret, stored);
  await verifySecret(secret, await (unmatchableHash ??= hashSecret(generateSecret())));
  return false;
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
