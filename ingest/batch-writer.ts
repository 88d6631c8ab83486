import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { seriesOf } from '../influx/line-protocol.js';
import { readRefusal, type WriteRefusal } from '../influx/partial-write.js';
import { HTTP_BAD_REQUEST, HTTP_PAYLOAD_TOO_LARGE, InfluxWriteError, type TelemetryStore } from '../influx/types.js';
import type { Spool, SpoolBatch } from './spool.js';

export interface BatchWriterOptions {
  /** Lines per write request. */
  readonly batchSize: number;
  /** A partial batch is written after this long. */
  readonly batchIntervalMs: number;
}

const RETRY_DELAY_MS = { initial: 250, max: 30_000 } as const;
/** Jitter spreads retries of several writers so they do not hit a recovering server together. */
const RETRY_JITTER = 0.2;
const FULL_WARNING_INTERVAL_MS = 10_000;
const MS_PER_SECOND = 1000;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const DIGIT_ZERO = 0x30;

/** Told of each line InfluxDB refused for good, with InfluxDB's words on it (ingest keeps it as a dead letter). */
export type RefusedLine = (line: string, reason: string) => void;

/** One line of a batch: where it was, its bytes with their newline. */
interface Line {
  readonly index: number;
  readonly bytes: Buffer;
}

interface Refused {
  readonly line: Line;
  readonly reason: string;
}

/** A write request stored everything, or close gave up waiting; otherwise `send` gives the refusal. */
const STORED = 'stored';
const CLOSED = 'closed';

const textOf = (line: Line) => line.bytes.toString('utf8', 0, line.bytes.length - 1);
const bodyOf = (lines: readonly Line[]) => Buffer.concat(lines.map((line) => line.bytes));

function linesOf(body: Buffer): Line[] {
  const lines: Line[] = [];
  for (let start = 0, end = body.indexOf(NEWLINE); end >= 0; start = end + 1, end = body.indexOf(NEWLINE, start)) {
    lines.push({ index: lines.length, bytes: body.subarray(start, end + 1) });
  }
  return lines;
}

/**
 * Parts to write again, each in the order of the batch: a measurement's lines apart from the
 * others' (a field type conflict is one measurement's), else halves.
 */
function split(lines: readonly Line[]): Line[][] {
  const byMeasurement = new Map<string, Line[]>();
  for (const line of lines) {
    const { measurement } = seriesOf(textOf(line));
    const part = byMeasurement.get(measurement);
    if (part) part.push(line);
    else byMeasurement.set(measurement, [line]);
  }
  if (byMeasurement.size > 1) return [...byMeasurement.values()];
  const half = Math.ceil(lines.length / 2);
  return [lines.slice(0, half), lines.slice(half)];
}

export interface BatchWriterStatus {
  /** Points in the spool that InfluxDB has not acknowledged. */
  readonly pendingPoints: number;
  readonly spooledBytes: number;
  /** The spool is at its bound: new messages wait (QoS 1) or are shed (QoS 0 telemetry). */
  readonly spoolFull: boolean;
  readonly lastWriteAt: string | null;
  readonly lastError: string | null;
  readonly retrying: boolean;
}

/**
 * Writes what the spool holds to InfluxDB, in order, in batches: a batch leaves the spool only
 * once InfluxDB acknowledged it (or refused it for good), so a crash or an outage loses nothing.
 */
export class BatchWriter {
  private draining = false;
  private drainAgain = false;
  private retrying = false;
  private closed = false;
  private lastWriteAt: Date | null = null;
  private lastError: string | null = null;
  private lastFullWarning = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly cancelWait = new AbortController();
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: TelemetryStore,
    private readonly spool: Spool,
    private readonly options: BatchWriterOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly onRefused: RefusedLine,
  ) {
    this.timer = setInterval(() => this.kick(true), options.batchIntervalMs);
    this.timer.unref();
    this.updateGauges();
    // What a previous run left in the spool goes first.
    if (spool.unread() > 0) this.kick(true);
  }

  /** Resolves once the lines are durable in the spool: the moment a message may be acknowledged. */
  push(lines: readonly string[]): Promise<void> {
    if (this.spool.full()) this.warnFull();
    const durable = this.spool.append(lines);
    this.updateGauges();
    // A batch may leave for InfluxDB before its fsync: what InfluxDB took is stored either way.
    if (this.spool.unread() >= this.options.batchSize) this.kick(false);
    return durable;
  }

  /** Resolves once everything pushed so far is on disk. */
  sync(): Promise<void> {
    return this.spool.sync();
  }

  /** True when the spool is at its bound (a caller may shed what it need not keep). */
  full(): boolean {
    return this.spool.full();
  }

  status(): BatchWriterStatus {
    return {
      pendingPoints: this.spool.pendingLines(),
      spooledBytes: this.spool.size(),
      spoolFull: this.spool.full(),
      lastWriteAt: this.lastWriteAt?.toISOString() ?? null,
      lastError: this.lastError,
      retrying: this.retrying,
    };
  }

  /** Writes everything spooled now; resolves when it is written (or when close gives up on InfluxDB). */
  async flush(): Promise<void> {
    do {
      this.kick(true);
      await this.idle;
    } while (!this.closed && this.spool.pendingLines() > 0);
  }

  /** Stops the timer and writes what is spooled, waiting at most `timeoutMs`; the rest stays in the spool. */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = setTimeout(() => {
      this.closed = true;
      this.cancelWait.abort();
    }, timeoutMs);
    await this.flush();
    clearTimeout(deadline);
    this.closed = true;
    const left = this.spool.pendingLines();
    if (left > 0)
      this.logger.warn(
        { points: left },
        'InfluxDB did not take every point in time: they stay spooled for the next start',
      );
    await this.spool.close();
  }

  private kick(force: boolean): void {
    if (this.draining) {
      this.drainAgain ||= force;
      return;
    }
    this.draining = true;
    this.idle = this.drain(force).finally(() => {
      this.draining = false;
      const again = this.drainAgain;
      this.drainAgain = false;
      if (!this.closed && (again || this.spool.unread() >= this.options.batchSize)) this.kick(again);
    });
  }

  private async drain(force: boolean): Promise<void> {
    while (!this.closed) {
      const unread = this.spool.unread();
      if (unread === 0 || (!force && unread < this.options.batchSize)) return;
      const batch = this.spool.read(this.options.batchSize);
      if (batch.count === 0) return;
      if (!(await this.write(batch))) {
        this.spool.rewind(batch.count);
        return;
      }
      this.spool.acknowledge(batch.end, batch.count);
      this.updateGauges();
    }
  }

  /**
   * Writes a batch; false when close gave up waiting. What InfluxDB refused for good is counted
   * and handed on line by line, and nothing else: a 1.x partial write stores the other lines.
   */
  private async write(batch: SpoolBatch): Promise<boolean> {
    const sent = await this.send(batch.body, false);
    if (sent === CLOSED) return false;
    if (sent === STORED) {
      this.stored(batch.body, batch.count);
      this.metrics.batchesWritten.inc();
      return true;
    }
    const refused: Refused[] = [];
    // Told only once the whole batch is settled: a batch close cuts short is settled again at the next start.
    if (!(await this.settle(linesOf(batch.body), sent, refused))) return false;
    if (refused.length < batch.count) this.metrics.batchesWritten.inc();
    refused.sort((a, b) => a.line.index - b.line.index);
    this.lastError = sent.message;
    this.metrics.pointsRejected.inc(refused.length);
    this.logger.error(
      { err: sent, points: refused.length, of: batch.count },
      'InfluxDB refused points of a batch; they are dead letters, the others are stored',
    );
    for (const { line, reason } of refused) this.onRefused(textOf(line), reason);
    return true;
  }

  /**
   * Finds which of `lines`, refused together with `error`, InfluxDB refused, from its answer where
   * it says, else by writing them again in parts, in order, down to single lines: a few bad lines
   * cost a few requests each, a measurement's type conflict one. A point written again is stored
   * once (same series and time), and written in the batch's order a later line still overwrites
   * an earlier one of the same time, as in the batch.
   */
  private async settle(lines: readonly Line[], error: Error, refused: Refused[]): Promise<boolean> {
    const status = error instanceof InfluxWriteError ? error.status : undefined;
    const reason = error instanceof InfluxWriteError && error.serverError ? error.serverError : error.message;
    // A 413 is the request's size (InfluxDB's max-body-size, or a proxy's), not its lines': parts may pass.
    let verdict: WriteRefusal = { kind: 'all' };
    if (status === HTTP_BAD_REQUEST) verdict = readRefusal(lines.map(textOf), reason);
    else if (status === HTTP_PAYLOAD_TOO_LARGE) verdict = { kind: 'unknown' };
    if (verdict.kind === 'all' || lines.length === 1) {
      for (const line of lines) refused.push({ line, reason });
      return true;
    }
    if (verdict.kind === 'lines') {
      const taken: Line[] = [];
      lines.forEach((line, at) => {
        const why = verdict.refused.get(at);
        if (why === undefined) taken.push(line);
        else refused.push({ line, reason: why });
      });
      this.stored(bodyOf(taken), taken.length);
      return true;
    }
    for (const part of split(lines)) {
      const sent = await this.send(bodyOf(part), true);
      if (sent === CLOSED) return false;
      if (sent === STORED) this.stored(bodyOf(part), part.length);
      else if (!(await this.settle(part, sent, refused))) return false;
    }
    return true;
  }

  /**
   * One write request, retried while InfluxDB may take it later. `settling`: one of the requests
   * that find which lines of a refused batch were refused, whose refusals are not write errors.
   */
  private async send(body: Buffer, settling: boolean): Promise<typeof STORED | typeof CLOSED | Error> {
    let delay: number = RETRY_DELAY_MS.initial;
    for (;;) {
      try {
        await this.store.write(body);
        this.lastWriteAt = new Date();
        this.lastError = null;
        this.retrying = false;
        return STORED;
      } catch (error) {
        const forGood = !(error instanceof InfluxWriteError) || !error.retryable;
        if (!forGood || !settling) this.metrics.writeErrors.inc();
        this.lastError = (error as Error).message;
        if (forGood) return error as Error;
        this.retrying = true;
        const wait = error.retryAfterMs ?? delay * (1 + RETRY_JITTER * Math.random());
        this.logger.warn({ err: error.message, retryInMs: Math.round(wait) }, 'InfluxDB write failed; retrying');
        if (!(await this.wait(wait))) return CLOSED;
        delay = Math.min(delay * 2, RETRY_DELAY_MS.max);
      }
    }
  }

  private stored(body: Buffer, count: number): void {
    if (count === 0) return;
    this.observeLag(body);
    this.metrics.pointsWritten.inc(count);
  }

  /** Each line ends with its time in epoch ms (precision=ms): the lag is read from there, digit by digit. */
  private observeLag(body: Buffer): void {
    const now = Date.now();
    for (let newline = body.indexOf(NEWLINE); newline >= 0; newline = body.indexOf(NEWLINE, newline + 1)) {
      let timeMs = 0;
      let scale = 1;
      for (let at = newline - 1; at >= 0 && body[at] !== SPACE; at--, scale *= 10) {
        timeMs += ((body[at] as number) - DIGIT_ZERO) * scale;
      }
      this.metrics.ingestLag.observe((now - timeMs) / MS_PER_SECOND);
    }
  }

  private updateGauges(): void {
    this.metrics.pendingPoints.set(this.spool.pendingLines());
    this.metrics.spoolBytes.set(this.spool.size());
  }

  private wait(ms: number): Promise<boolean> {
    if (this.cancelWait.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.cancelWait.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      this.cancelWait.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private warnFull(): void {
    const now = Date.now();
    if (now - this.lastFullWarning < FULL_WARNING_INTERVAL_MS) return;
    this.lastFullWarning = now;
    this.logger.error(
      { spooledBytes: this.spool.size() },
      'the ingest spool is full (InfluxDB is not keeping up): QoS 1 messages wait for their acknowledgement, QoS 0 telemetry is shed',
    );
  }
}
