import { describe, expect, it } from 'vitest';
import { decodePayload, elevatorRegistrationSchema } from '../../contract/index.js';
import { registration } from '../helpers/fixtures.js';

/** Text the contract lets in must reach InfluxDB as it was sent. Both cases were found by the fuzz (test/fuzz). */
describe('text the contract takes is text InfluxDB can store', () => {
  it('refuses lone surrogates, which UTF-8 cannot carry (InfluxDB stored U+FFFD instead)', () => {
    const fault = (detail: string) =>
      JSON.stringify({ ts: 1_764_000_000_000, seq: 1, code: 2, floor: 1, detail }).replace('LONE', '\\udc00');
    const refused = decodePayload('faults', fault('a LONE b'));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/lone surrogates/);
    expect(decodePayload('faults', fault('重庆 😀')).ok).toBe(true);
  });

  // InfluxDB refused every point of such an elevator, after ingest had acknowledged it.
  it('refuses a registry label ending with a backslash, which no InfluxDB tag value can end with', () => {
    for (const label of ['\\', '渝中区\\', 'UU-1\\\\']) {
      const result = elevatorRegistrationSchema.safeParse(registration('E1', { useUnit: label }));
      expect(result.success, label).toBe(false);
    }
  });

  it('takes backslashes anywhere else in a registry label', () => {
    for (const label of ['a\\b', 'a\\ b', 'a\\,b', '\\a']) {
      expect(elevatorRegistrationSchema.safeParse(registration('E1', { district: label })).success, label).toBe(true);
    }
  });
});
