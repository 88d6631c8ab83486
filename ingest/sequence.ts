/** How many recent seq numbers are remembered per elevator to recognise a message seen again. */
export const SEQUENCE_WINDOW = 1024;
/**
 * What one jump of a counter may add to the messages counted lost: a week of the contract's
 * once-a-minute telemetry. A device that lost more at once is out of touch, and a longer jump is
 * more likely a counter fault (0 to 2^53 - 1 would count 9e15) than messages that were sent.
 */
export const MAX_MISSING_PER_GAP = 7 * 24 * 60;

export type SequenceVerdict =
  /** Not seen before; `missing` is how many seq numbers it skipped over (0 when in order). */
  | { readonly kind: 'new'; readonly missing: number }
  /** Seen before (a device or broker resending after a lost acknowledgement). */
  | { readonly kind: 'duplicate' }
  /**
   * The device restarted its counter; a new run begins. Far below what was seen, or at or below
   * it with a time after every message of the run (a resend keeps the time it was sent with).
   */
  | { readonly kind: 'restart' };

interface Track {
  highest: number;
  /** The latest `ts` of the run, epoch ms. */
  latest: number;
  /** Where this elevator's window starts in the shared ring words. */
  readonly base: number;
}

const WORD_BITS = 32;
const WINDOW_WORDS = SEQUENCE_WINDOW / WORD_BITS;
/** Windows the shared words are sized for at least; they double as more elevators come. */
const INITIAL_TRACKS = 1024;
const IN_ORDER: SequenceVerdict = { kind: 'new', missing: 0 };
const DUPLICATE: SequenceVerdict = { kind: 'duplicate' };
const RESTART: SequenceVerdict = { kind: 'restart' };

/**
 * Each elevator's `seq` counter, as ingest sees it: duplicates to acknowledge without storing
 * twice, gaps that say a device is losing messages, and restarts of the counter. Memory is a
 * number and a 1024-bit window per elevator; after a restart of liftwatch the first message of
 * each elevator starts its track again (what it resends then is idempotent in InfluxDB anyway).
 *
 * A window is a ring of bits (bit `seq % window` stands for `seq`), updated in place in words
 * shared by every elevator: a message allocates nothing (a shifted 1024-bit BigInt made three a
 * message), and a city's 300,000 windows are one array for the garbage collector, not 300,000.
 */
export class SequenceTracker {
  private readonly tracks = new Map<string, Track>();
  private words: Uint32Array;

  /**
   * `elevators`: how many to make room for at once, at least (the registry's size). Growing copies every
   * window: at 300k elevators 64 MB in one step, which held the broker for 0.4 s in a city's first minute.
   */
  constructor(elevators = INITIAL_TRACKS) {
    this.words = new Uint32Array(Math.max(elevators, INITIAL_TRACKS) * WINDOW_WORDS);
  }

  /** Judges a message (its `seq` and `ts`, epoch ms) and remembers it. */
  observe(elevator: string, seq: number, ts: number): SequenceVerdict {
    const track = this.tracks.get(elevator);
    if (!track) {
      this.tracks.set(elevator, this.begin({ highest: seq, latest: ts, base: this.allocate() }, seq, ts));
      return IN_ORDER;
    }
    if (seq > track.highest) {
      const step = seq - track.highest;
      // The slots entering the window held seq numbers a window older: they are free again.
      if (step >= SEQUENCE_WINDOW) this.clear(track);
      else for (let entering = track.highest + 1; entering < seq; entering++) this.unmark(track, entering);
      this.mark(track, seq);
      track.highest = seq;
      track.latest = Math.max(track.latest, ts);
      return step === 1 ? IN_ORDER : { kind: 'new', missing: Math.min(step - 1, MAX_MISSING_PER_GAP) };
    }
    if (track.highest - seq >= SEQUENCE_WINDOW || ts > track.latest) {
      this.begin(track, seq, ts);
      return RESTART;
    }
    if (this.isSeen(track, seq)) return DUPLICATE;
    // A late message filling an earlier gap (its gap was counted when it was skipped).
    this.mark(track, seq);
    return IN_ORDER;
  }

  /** Forgets one seq number again (a message that was seen but could not be stored, so its resend is not a duplicate). */
  forget(elevator: string, seq: number): void {
    const track = this.tracks.get(elevator);
    if (!track) return;
    const back = track.highest - seq;
    if (back >= 0 && back < SEQUENCE_WINDOW) this.unmark(track, seq);
  }

  /** A new run of the counter, at `seq` and `ts`. */
  private begin(track: Track, seq: number, ts: number): Track {
    this.clear(track);
    track.highest = seq;
    track.latest = ts;
    this.mark(track, seq);
    return track;
  }

  private allocate(): number {
    const base = this.tracks.size * WINDOW_WORDS;
    if (base + WINDOW_WORDS > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    return base;
  }

  private word(track: Track, seq: number): number {
    return track.base + ((seq % SEQUENCE_WINDOW) >>> 5);
  }

  private isSeen(track: Track, seq: number): boolean {
    return ((this.words[this.word(track, seq)] as number) & bit(seq)) !== 0;
  }

  private mark(track: Track, seq: number): void {
    const at = this.word(track, seq);
    this.words[at] = (this.words[at] as number) | bit(seq);
  }

  private unmark(track: Track, seq: number): void {
    const at = this.word(track, seq);
    this.words[at] = (this.words[at] as number) & ~bit(seq);
  }

  private clear(track: Track): void {
    this.words.fill(0, track.base, track.base + WINDOW_WORDS);
  }
}

const bit = (seq: number) => 1 << ((seq % SEQUENCE_WINDOW) % WORD_BITS);
