/** How many recent seq numbers are remembered per elevator to recognise a message seen again. */
export const SEQUENCE_WINDOW = 1024;

export type SequenceVerdict =
  /** Not seen before; `missing` is how many seq numbers it skipped over (0 when in order). */
  | { readonly kind: 'new'; readonly missing: number }
  /** Seen before (a device or broker resending after a lost acknowledgement). */
  | { readonly kind: 'duplicate' }
  /** Far below what was seen: the device restarted its counter; a new run begins. */
  | { readonly kind: 'restart' };

interface Track {
  highest: number;
  /**
   * Seen seq numbers within the window ending at `highest`, as a ring of bits: bit `seq % window`
   * stands for `seq`. Updated in place, so a message allocates nothing (a shifted 1024-bit BigInt
   * made three a message).
   */
  readonly seen: Uint32Array;
}

const WORD_BITS = 32;
const WINDOW_WORDS = SEQUENCE_WINDOW / WORD_BITS;
const IN_ORDER: SequenceVerdict = { kind: 'new', missing: 0 };
const DUPLICATE: SequenceVerdict = { kind: 'duplicate' };
const RESTART: SequenceVerdict = { kind: 'restart' };

const slot = (seq: number) => seq % SEQUENCE_WINDOW;
const isSeen = (seen: Uint32Array, seq: number) =>
  ((seen[slot(seq) >>> 5] as number) & (1 << (slot(seq) % WORD_BITS))) !== 0;
function mark(seen: Uint32Array, seq: number): void {
  seen[slot(seq) >>> 5] = (seen[slot(seq) >>> 5] as number) | (1 << (slot(seq) % WORD_BITS));
}
function unmark(seen: Uint32Array, seq: number): void {
  seen[slot(seq) >>> 5] = (seen[slot(seq) >>> 5] as number) & ~(1 << (slot(seq) % WORD_BITS));
}

/**
 * Each elevator's `seq` counter, as ingest sees it: duplicates to acknowledge without storing
 * twice, gaps that say a device is losing messages, and restarts of the counter. Memory is a
 * number and a 1024-bit window per elevator; after a restart of liftwatch the first message of
 * each elevator starts its track again (what it resends then is idempotent in InfluxDB anyway).
 */
export class SequenceTracker {
  private readonly tracks = new Map<string, Track>();

  /** Judges a message and remembers it. */
  observe(elevator: string, seq: number): SequenceVerdict {
    const track = this.tracks.get(elevator);
    if (!track) {
      this.tracks.set(elevator, this.begin({ highest: seq, seen: new Uint32Array(WINDOW_WORDS) }, seq));
      return IN_ORDER;
    }
    const { seen } = track;
    if (seq > track.highest) {
      const step = seq - track.highest;
      // The slots entering the window held seq numbers a window older: they are free again.
      if (step >= SEQUENCE_WINDOW) seen.fill(0);
      else for (let entering = track.highest + 1; entering < seq; entering++) unmark(seen, entering);
      mark(seen, seq);
      track.highest = seq;
      return step === 1 ? IN_ORDER : { kind: 'new', missing: step - 1 };
    }
    if (track.highest - seq >= SEQUENCE_WINDOW) {
      this.begin(track, seq);
      return RESTART;
    }
    if (isSeen(seen, seq)) return DUPLICATE;
    // A late message filling an earlier gap (its gap was counted when it was skipped).
    mark(seen, seq);
    return IN_ORDER;
  }

  /** Forgets one seq number again (a message that was seen but could not be stored, so its resend is not a duplicate). */
  forget(elevator: string, seq: number): void {
    const track = this.tracks.get(elevator);
    if (!track) return;
    const back = track.highest - seq;
    if (back >= 0 && back < SEQUENCE_WINDOW) unmark(track.seen, seq);
  }

  /** A new run of the counter, at `seq`. */
  private begin(track: Track, seq: number): Track {
    track.seen.fill(0);
    track.highest = seq;
    mark(track.seen, seq);
    return track;
  }
}
