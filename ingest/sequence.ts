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
  /** Seen seq numbers within the window below `highest`, as bits: bit i is `highest - i`. */
  seen: bigint;
}

const WINDOW_MASK = (1n << BigInt(SEQUENCE_WINDOW)) - 1n;

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
      this.tracks.set(elevator, { highest: seq, seen: 1n });
      return { kind: 'new', missing: 0 };
    }
    if (seq > track.highest) {
      const step = seq - track.highest;
      track.seen = step >= SEQUENCE_WINDOW ? 1n : ((track.seen << BigInt(step)) | 1n) & WINDOW_MASK;
      track.highest = seq;
      return { kind: 'new', missing: step - 1 };
    }
    const back = track.highest - seq;
    if (back >= SEQUENCE_WINDOW) {
      this.tracks.set(elevator, { highest: seq, seen: 1n });
      return { kind: 'restart' };
    }
    const bit = 1n << BigInt(back);
    if (track.seen & bit) return { kind: 'duplicate' };
    // A late message filling an earlier gap (its gap was counted when it was skipped).
    track.seen |= bit;
    return { kind: 'new', missing: 0 };
  }

  /** Forgets one seq number again (a message that was seen but could not be stored, so its resend is not a duplicate). */
  forget(elevator: string, seq: number): void {
    const track = this.tracks.get(elevator);
    if (!track) return;
    const back = track.highest - seq;
    if (back >= 0 && back < SEQUENCE_WINDOW) track.seen &= ~(1n << BigInt(back));
  }
}
