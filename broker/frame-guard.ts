import { Duplex } from 'node:stream';
import { isCheckedPacket, packetFault } from './packet-check.js';

/** Where a scan stands in a connection's byte stream. */
export interface FrameState {
  /** Bytes of the current packet's body still to pass. */
  readonly skip: number;
  /** Bytes of the current fixed header read so far; 0 at the first byte of a packet. */
  readonly headerBytes: number;
  /** The remaining length decoded so far: a lower bound until its last byte. */
  readonly length: number;
  /** The current packet's first byte: its type and flags. */
  readonly first: number;
  /** The body read so far of a packet checked whole (isCheckedPacket); null while one is skipped. */
  readonly body: Buffer[] | null;
}

export const FRAME_START: FrameState = { skip: 0, headerBytes: 0, length: 0, first: 0, body: null };

export type FrameVerdict = 'ok' | 'too-large' | 'malformed';

export interface FrameScan {
  readonly state: FrameState;
  readonly verdict: FrameVerdict;
  /** What is malformed, for the log. */
  readonly reason?: string;
}

/** The remaining length takes at most four bytes, seven bits each, low bits first [MQTT-2.2.3]. */
const MAX_LENGTH_BYTES = 4;
const CONTINUATION_BIT = 0x80;
const VALUE_BITS = 0x7f;
const LENGTH_BASE = 128;

/**
 * Follows the fixed headers through a chunk, skipping packet bodies, and refuses a packet whose
 * remaining length is over `maxRemainingLength` as soon as its length bytes say so: before its
 * body arrives, which mqtt-packet (aedes' parser, with no size limit) would buffer whole. The
 * bodies of CONNECT, SUBSCRIBE and UNSUBSCRIBE are read and checked (packetFault) instead.
 */
export function scanFrames(state: FrameState, chunk: Uint8Array, maxRemainingLength: number): FrameScan {
  let { skip, headerBytes, length, first, body } = state;
  let at = 0;
  while (at < chunk.length) {
    if (skip > 0) {
      const passed = Math.min(skip, chunk.length - at);
      body?.push(Buffer.from(chunk.subarray(at, at + passed)));
      skip -= passed;
      at += passed;
      if (skip === 0 && body) {
        const reason = packetFault(first, Buffer.concat(body));
        if (reason) return { state, verdict: 'malformed', reason };
        body = null;
      }
      continue;
    }
    const byte = chunk[at++] as number;
    if (headerBytes === 0) {
      // the packet type and flags; the length follows
      first = byte;
      headerBytes = 1;
      length = 0;
      continue;
    }
    length += (byte & VALUE_BITS) * LENGTH_BASE ** (headerBytes - 1);
    if (length > maxRemainingLength) return { state, verdict: 'too-large' };
    if (byte & CONTINUATION_BIT) {
      if (headerBytes === MAX_LENGTH_BYTES) return { state, verdict: 'malformed', reason: 'remaining length' };
      headerBytes++;
      continue;
    }
    skip = length;
    headerBytes = 0;
    if (!isCheckedPacket(first)) continue;
    body = [];
    if (skip > 0) continue;
    const reason = packetFault(first, Buffer.alloc(0));
    if (reason) return { state, verdict: 'malformed', reason };
    body = null;
  }
  return { state: { skip, headerBytes, length, first, body }, verdict: 'ok' };
}

/**
 * A connection as aedes sees it: the bytes of `inner`, unchanged, until a packet announces a
 * remaining length over `maxRemainingLength` or breaks a rule packetFault checks; then `onRefused`
 * is told and both ends close. The chunk holding the end of a bad packet is never passed on, so
 * aedes never acts on it.
 */
export class FrameGuard extends Duplex {
  private state = FRAME_START;
  private unsent: Buffer[] = [];
  private flushAtEndOfTurn: NodeJS.Immediate | null = null;

  constructor(
    private readonly inner: Duplex,
    private readonly maxRemainingLength: number,
    private readonly onRefused: (verdict: Exclude<FrameVerdict, 'ok'>, reason?: string) => void,
  ) {
    super({ allowHalfOpen: false });
    inner.on('data', (chunk: Buffer) => this.pass(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  private pass(chunk: Buffer): void {
    const { state, verdict, reason } = scanFrames(this.state, chunk, this.maxRemainingLength);
    if (verdict !== 'ok') {
      this.onRefused(verdict, reason);
      this.destroy();
      return;
    }
    this.state = state;
    if (!this.push(chunk)) this.inner.pause();
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.unsent.push(chunk);
    this.send(null, callback);
  }

  /**
   * What aedes writes to a connection in one turn of the event loop goes to the socket in one
   * write at its end: a busy broker acknowledges a device's publishes in many ticks, and a
   * system call per PUBACK was the broker's largest cost. A full socket holds the writer back.
   */
  private send(bytes: Buffer | null, callback: (error?: Error | null) => void): void {
    if (bytes) this.unsent.push(bytes);
    this.flushAtEndOfTurn ??= setImmediate(() => this.flush());
    if (this.inner.writableNeedDrain) this.inner.once('drain', () => callback());
    else callback();
  }

  private flush(): void {
    this.flushAtEndOfTurn = null;
    if (this.unsent.length === 0 || this.inner.destroyed) return;
    const bytes = this.unsent.length === 1 ? (this.unsent[0] as Buffer) : Buffer.concat(this.unsent);
    this.unsent = [];
    this.inner.write(bytes);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush();
    this.inner.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // What was written before the end (a refusing CONNACK) still leaves, as it did unbuffered.
    this.flush();
    if (this.flushAtEndOfTurn) clearImmediate(this.flushAtEndOfTurn);
    this.inner.destroy();
    callback(error);
  }
}
