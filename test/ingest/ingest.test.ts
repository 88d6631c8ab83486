import { describe, expect, it } from 'vitest';
import type { PayloadInputOf, TopicKind } from '../../contract/index.js';
import { ingestFor } from '../helpers/ingest.js';

const payload = <K extends TopicKind>(_kind: K, value: PayloadInputOf<K>) => Buffer.from(JSON.stringify(value));
const telemetryAt = (ts: number, seq: number) =>
  payload('telemetry', {
    ts,
    seq,
    mode: 1,
    floor: 3,
    direction: 0,
    doorState: 2,
    runs: 1,
    runSeconds: 1,
    doorCycles: 1,
  });
const counter = async (metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }, labels = {}) =>
  (await metric.get()).values.find((value) => JSON.stringify(value.labels) === JSON.stringify(labels))?.value ?? 0;

describe('ingest', () => {
  it('keeps a point InfluxDB refuses as a dead letter with its topic, and stores the rest of its batch', async () => {
    const { store, telemetry, metrics, ingest } = await ingestFor('E1');
    const ts = Date.now();
    // A database shared with another writer that made `floor` a string (in the shard of `ts`).
    await telemetry.write([`telemetry floor="third" ${ts - 1000}`]);
    await Promise.all([
      ingest.handle('elevators/E1/faults', payload('faults', { ts, seq: 1, code: 2, floor: 3 })),
      ingest.handle('elevators/E1/telemetry', telemetryAt(ts + 1, 2)),
      ingest.handle('elevators/E1/faults', payload('faults', { ts: ts + 2, seq: 3, code: 2, floor: 4 })),
    ]);
    await ingest.flush();
    const [faults] = await telemetry.query('SELECT floor FROM faults');
    expect(faults?.rows.map((row) => row.floor)).toEqual([3, 4]);
    const letters = store.deadLetters.list({ limit: 10 });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.topic).toBe('elevators/E1/telemetry');
    expect(letters[0]?.payload).toMatch(/^telemetry,.*elevator=E1.* .*floor=3i.* \d+$/);
    expect(letters[0]?.reason).toMatch(/^refused_by_influxdb: partial write: field type conflict: input field "floor"/);
    expect(await counter(metrics.deadLetters, { reason: 'refused_by_influxdb' })).toBe(1);
    expect(await counter(metrics.pointsRejected)).toBe(1);
    expect(await counter(metrics.pointsWritten)).toBe(2);
    await ingest.close();
    store.close();
  });
});
