import { describe, expect, it } from 'vitest';
import { SEQUENCE_WINDOW, SequenceTracker } from '../../ingest/sequence.js';
import { ingestFor } from '../helpers/ingest.js';

describe('SequenceTracker', () => {
  it.each([
    ['in order', [1, 2, 3], ['new:0', 'new:0', 'new:0']],
    ['the same seq again', [1, 2, 2], ['new:0', 'new:0', 'duplicate']],
    ['a resend of an older one', [1, 2, 3, 1], ['new:0', 'new:0', 'new:0', 'duplicate']],
    ['a jump over three', [1, 5], ['new:0', 'new:3']],
    ['a late one filling its gap, then again', [1, 3, 2, 2], ['new:0', 'new:1', 'new:0', 'duplicate']],
    ['the counter starting again', [5000, 1, 2], ['new:0', 'restart', 'new:0']],
    ['just inside the window', [SEQUENCE_WINDOW, 1], ['new:0', 'new:0']],
  ])('%s', (_case, seqs, expected) => {
    const tracker = new SequenceTracker();
    const verdicts = seqs.map((seq) => {
      const verdict = tracker.observe('E1', seq);
      return verdict.kind === 'new' ? `new:${verdict.missing}` : verdict.kind;
    });
    expect(verdicts).toEqual(expected);
  });

  it('judges a long random run as a plain model of the window does', () => {
    const tracker = new SequenceTracker();
    let highest = -1;
    const seen = new Set<number>();
    let random = 7;
    const next = () => (random = (random * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const roll = next() % 100;
      const seq =
        highest < 0 || roll < 80
          ? highest + 1
          : roll < 90
            ? highest + (next() % 40)
            : Math.max(0, highest - (next() % (SEQUENCE_WINDOW + 50)));
      let expected: string;
      if (highest < 0 || seq > highest) {
        expected = `new:${highest < 0 ? 0 : seq - highest - 1}`;
        highest = seq;
      } else if (highest - seq >= SEQUENCE_WINDOW) {
        expected = 'restart';
        seen.clear();
        highest = seq;
      } else expected = seen.has(seq) ? 'duplicate' : 'new:0';
      seen.add(seq);
      for (const old of seen) if (highest - old >= SEQUENCE_WINDOW) seen.delete(old);
      const verdict = tracker.observe('E1', seq);
      expect(verdict.kind === 'new' ? `new:${verdict.missing}` : verdict.kind).toBe(expected);
    }
  });

  it('keeps thousands of windows apart as its shared words grow', () => {
    const tracker = new SequenceTracker();
    const ids = Array.from({ length: 3000 }, (_, i) => `E${i}`);
    for (const [i, id] of ids.entries()) expect(tracker.observe(id, i).kind).toBe('new');
    for (const [i, id] of ids.entries()) {
      expect(tracker.observe(id, i).kind).toBe('duplicate');
      expect(tracker.observe(id, i + 1)).toEqual({ kind: 'new', missing: 0 });
    }
  });

  it('keeps each elevator apart, and forgets a seq that could not be stored', () => {
    const tracker = new SequenceTracker();
    tracker.observe('E1', 7);
    expect(tracker.observe('E2', 7).kind).toBe('new');
    tracker.forget('E1', 7);
    expect(tracker.observe('E1', 7).kind).toBe('new');
  });
});

describe('ingest and seq', () => {
  it('stores a message seen twice once, and records the messages a device skipped', async () => {
    const { store, telemetry, metrics, ingest } = await ingestFor('SEQ-1');
    const fault = (seq: number) =>
      Buffer.from(JSON.stringify({ ts: 1_764_000_000_000 + seq, seq, code: 102, floor: 3 }));
    for (const seq of [1, 2, 2, 6, 1]) await ingest.handle('elevators/SEQ-1/faults', fault(seq));
    await ingest.flush();
    const [faults] = await telemetry.query('SELECT count(seq) FROM faults');
    expect(faults?.rows[0]?.count).toBe(3);
    const [gaps] = await telemetry.query('SELECT missed, elevator FROM link');
    expect(gaps?.rows).toEqual([{ time: 1_764_000_000_006, missed: 3, elevator: 'SEQ-1' }]);
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(2);
    expect((await metrics.sequenceGaps.get()).values[0]?.value).toBe(3);
    await ingest.close();
    store.close();
  });
});
