import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, secretsEqual, verifySecret, verifyStoredSecret } from '../../store/credentials.js';

describe('credentials', () => {
  it('hashes with a salt and verifies only the right secret', async () => {
    const secret = generateSecret();
    const [a, b] = await Promise.all([hashSecret(secret), hashSecret(secret)]);
    expect(a).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(await verifySecret(secret, a)).toBe(true);
    expect(await verifySecret(`${secret}x`, a)).toBe(false);
    expect(await verifySecret(secret, 'plain-text')).toBe(false);
  });

  it('verifies against the stored hash, and refuses an unknown identity (no hash) whatever the secret', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    expect(await verifyStoredSecret(secret, stored)).toBe(true);
    expect(await verifyStoredSecret(`${secret}x`, stored)).toBe(false);
    expect(await verifyStoredSecret(secret, undefined)).toBe(false);
    expect(await verifyStoredSecret('', undefined)).toBe(false);
  });

  it('generates 256-bit URL-safe secrets and compares them in constant time', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(secretsEqual(secret, secret)).toBe(true);
    expect(secretsEqual(secret, generateSecret())).toBe(false);
    expect(secretsEqual(secret, '')).toBe(false);
  });
});
