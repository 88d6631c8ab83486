import { describe, expect, it } from 'vitest';
import { MAX_MISSING_PER_GAP, SEQUENCE_WINDOW, SequenceTracker } from '../../ingest/sequence.js';
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
      const verdict = tracker.observe('E1', seq, seq);
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
      const verdict = tracker.observe('E1', seq, seq);
      expect(verdict.kind === 'new' ? `new:${verdict.missing}` : verdict.kind).toBe(expected);
    }
  });

  it('keeps thousands of windows apart as its shared words grow', () => {
    const tracker = new SequenceTracker();
    const ids = Array.from({ length: 3000 }, (_, i) => `E${i}`);
    for (const [i, id] of ids.entries()) expect(tracker.observe(id, i, i).kind).toBe('new');
    for (const [i, id] of ids.entries()) {
      expect(tracker.observe(id, i, i).kind).toBe('duplicate');
      expect(tracker.observe(id, i + 1, i + 1)).toEqual({ kind: 'new', missing: 0 });
    }
  });

  it('keeps each elevator apart, and forgets a seq that could not be stored', () => {
    const tracker = new SequenceTracker();
    tracker.observe('E1', 7, 7);
    expect(tracker.observe('E2', 7, 7).kind).toBe('new');
    tracker.forget('E1', 7);
    expect(tracker.observe('E1', 7, 7).kind).toBe('new');
  });

  it('counts at most MAX_MISSING_PER_GAP for one jump, however far the counter leaps', () => {
    const tracker = new SequenceTracker();
    tracker.observe('E1', 0, 1000);
    expect(tracker.observe('E1', Number.MAX_SAFE_INTEGER, 2000)).toEqual({ kind: 'new', missing: MAX_MISSING_PER_GAP });
    // The counter back where it was: a new run, nothing more counted.
    expect(tracker.observe('E1', 1, 3000).kind).toBe('restart');
    expect(tracker.observe('E1', 2, 4000)).toEqual({ kind: 'new', missing: 0 });
    expect(tracker.observe('E1', 2 + MAX_MISSING_PER_GAP, 5000)).toEqual({
      kind: 'new',
      missing: MAX_MISSING_PER_GAP - 1,
    });
  });

  it('takes a counter that goes back with a later time for a restarted device, not for resends', () => {
    const tracker = new SequenceTracker();
    for (const seq of [1, 2, 3, 4, 5]) tracker.observe('E1', seq, 1000 + seq);
    // A resend keeps its own time: a duplicate.
    expect(tracker.observe('E1', 3, 1003).kind).toBe('duplicate');
    // The device restarted and counts from 1 again, with times after everything it sent before.
    expect(tracker.observe('E1', 1, 2001).kind).toBe('restart');
    expect(tracker.observe('E1', 2, 2002)).toEqual({ kind: 'new', missing: 0 });
    expect(tracker.observe('E1', 2, 2002).kind).toBe('duplicate');
    // A counter stuck at one number with a moving clock: each message is new.
    expect(tracker.observe('E1', 2, 2003).kind).toBe('restart');
    expect(tracker.observe('E1', 2, 2004).kind).toBe('restart');
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
