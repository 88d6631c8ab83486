import { describe, expect, it } from 'vitest';
import { TOPIC_KINDS } from '../../contract/index.js';
import { Random } from '../../simulators/random.js';
import { ingestFor } from '../helpers/ingest.js';

const MESSAGES = 3000;
const VALID = [
  { kind: 'faults', payload: { ts: 1_764_000_000_000, seq: 1, code: 2, floor: 1 } },
  {
    kind: 'doors',
    payload: { ts: 1_764_000_000_000, seq: 1, floor: 1, openMs: 1, closeMs: 1, reopens: 0, obstructed: false },
  },
  { kind: 'online', payload: 1 },
] as const;

/** Valid JSON with one value replaced by something of another type or range. */
function mutate(random: Random, payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return JSON.stringify(random.pick([2, -1, 'x', null, [], {}]));
  const copy: Record<string, unknown> = { ...payload };
  const key = random.pick(Object.keys(copy));
  copy[key] = random.pick([null, -1, 1e308, 'text', true, [], { nested: 1 }, '\u0000', 2 ** 60]);
  return JSON.stringify(copy);
}

describe('ingest under hostile input', () => {
  it('never throws: every message becomes a point or a dead letter', async () => {
    const random = new Random(20261125);
    const { store, metrics, ingest } = await ingestFor('FUZZ');

    let expectedPoints = 0;
    const handled: Array<Promise<void>> = [];
    for (let i = 0; i < MESSAGES; i++) {
      const sample = random.pick(VALID);
      const topic = random.chance(0.1)
        ? random.pick(['elevators/FUZZ', 'elevators/FUZZ/faults/x', 'elevators/NOBODY/faults', '$SYS/x'])
        : `elevators/FUZZ/${random.chance(0.9) ? sample.kind : random.pick(TOPIC_KINDS)}`;
      let payload: Buffer;
      const shape = random.int(0, 3);
      if (shape === 0) payload = Buffer.from(Array.from({ length: random.int(0, 64) }, () => random.int(0, 255)));
      else if (shape === 1) payload = Buffer.from(mutate(random, sample.payload));
      else payload = Buffer.from(JSON.stringify(sample.payload));
      const valid = topic === `elevators/FUZZ/${sample.kind}` && shape >= 2;
      if (valid) expectedPoints++;
      handled.push(ingest.handle(topic, payload));
    }
    // Every message is settled: spooled, a duplicate of one spooled, or a dead letter; none rejects.
    await expect(Promise.all(handled)).resolves.toHaveLength(MESSAGES);
    await ingest.flush();
    const written = (await metrics.pointsWritten.get()).values[0]?.value ?? 0;
    const rejected = (await metrics.pointsRejected.get()).values[0]?.value ?? 0;
    expect(rejected).toBe(0);
    // The samples share seq 1 (one device counter across topics), so most valid ones are duplicates.
    const duplicates = (await metrics.duplicates.get()).values[0]?.value ?? 0;
    expect(written + duplicates).toBeGreaterThanOrEqual(expectedPoints);
    expect(written + duplicates + store.deadLetters.count()).toBe(MESSAGES);
    await ingest.close();
    store.close();
  });
});
