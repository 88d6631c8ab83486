import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CLOCK_SKEW_MS, type PayloadInputOf, type TopicKind } from '../../contract/index.js';
import { MAX_MISSING_PER_GAP } from '../../ingest/sequence.js';
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

  it('refuses a ts further ahead of its arrival than the skew allows, before any observer sees it; keeps old ones', async () => {
    const seen: unknown[] = [];
    const { store, telemetry, metrics, ingest } = await ingestFor('E1', {
      observers: [(message) => seen.push(message)],
    });
    const arrival = Date.parse('2026-11-25T09:00:00+08:00');
    const at = (ts: number, seq: number, code: 93 | 2 = 93) => payload('faults', { ts, seq, code, floor: 7 });
    const receivedAt = new Date(arrival);
    await ingest.handle('elevators/E1/faults', at(Date.parse('2099-01-01T09:00:00+08:00'), 1), { receivedAt });
    await ingest.handle('elevators/E1/faults', at(arrival + DEFAULT_MAX_CLOCK_SKEW_MS + 1, 2), { receivedAt });
    await ingest.handle('elevators/E1/faults', at(arrival + DEFAULT_MAX_CLOCK_SKEW_MS, 3, 2), { receivedAt });
    await ingest.handle('elevators/E1/faults', at(Date.parse('2001-02-03T04:05:06Z'), 4, 2), { receivedAt });
    await ingest.flush();
    expect(seen).toHaveLength(2);
    const [faults] = await telemetry.query('SELECT seq FROM faults');
    expect(faults?.rows.map((row) => row.seq)).toEqual([4, 3]);
    const letters = store.deadLetters.list({ limit: 10 }).reverse();
    expect(letters.map((letter) => letter.topic)).toEqual(['elevators/E1/faults', 'elevators/E1/faults']);
    expect(letters[0]?.reason).toBe(
      'clock_ahead: ts 2099-01-01T01:00:00.000Z is more than LW_MAX_CLOCK_SKEW (86400000 ms) ahead of its arrival at 2026-11-25T01:00:00.000Z',
    );
    expect(JSON.parse(letters[1]?.payload ?? '')).toMatchObject({ seq: 2 });
    expect(await counter(metrics.deadLetters, { reason: 'clock_ahead' })).toBe(2);
    // Refused before the seq was taken: sent again with a clock put right, it is stored.
    await ingest.handle('elevators/E1/faults', at(arrival, 1), { receivedAt });
    await ingest.flush();
    expect((await telemetry.query('SELECT count(seq) FROM faults'))[0]?.rows[0]?.count).toBe(3);
    await ingest.close();
    store.close();
  });

  it('adds at most MAX_MISSING_PER_GAP lost messages for one jump of a counter', async () => {
    const { store, telemetry, metrics, ingest } = await ingestFor('E1');
    const ts = Date.parse('2026-11-25T09:00:00+08:00');
    for (const [seq, at] of [
      [0, ts],
      [Number.MAX_SAFE_INTEGER, ts + 1],
      [1, ts + 2],
      [2, ts + 3],
    ] as const) {
      await ingest.handle('elevators/E1/telemetry', telemetryAt(at, seq));
    }
    await ingest.flush();
    const [gaps] = await telemetry.query('SELECT missed FROM link');
    expect(gaps?.rows).toEqual([{ time: ts + 1, missed: MAX_MISSING_PER_GAP }]);
    expect(await counter(metrics.sequenceGaps)).toBe(MAX_MISSING_PER_GAP);
    expect((await telemetry.query('SELECT count(runs) FROM telemetry'))[0]?.rows[0]?.count).toBe(4);
    await ingest.close();
    store.close();
  });
});
