import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { InfluxWriteError, type TelemetryStore } from '../influx/types.js';

export interface BatchWriterOptions {
  /** Lines per write request. */
  readonly batchSize: number;
  /** A partial batch is written after this long. */
  readonly batchIntervalMs: number;
  /** Lines held while InfluxDB is away; beyond it the oldest are dropped and counted. */
  readonly maxPendingPoints: number;
}

const RETRY_DELAY_MS = { initial: 250, max: 30_000 } as const;
/** Jitter spreads retries of several writers so they do not hit a recovering server together. */
const RETRY_JITTER = 0.2;
const DROP_WARNING_INTERVAL_MS = 10_000;

export interface BatchWriterStatus {
  readonly pendingPoints: number;
  readonly lastWriteAt: string | null;
  readonly lastError: string | null;
  readonly retrying: boolean;
}

/** Batches line-protocol lines and writes them in order, retrying what may succeed later. */
export class BatchWriter {
  private pending: string[] = [];
  /** The batch being written, kept until InfluxDB acknowledges it. */
  private sending: string[] = [];
  private draining = false;
  private drainAgain = false;
  private retrying = false;
  private closed = false;
  private lastWriteAt: Date | null = null;
  private lastError: string | null = null;
  private lastDropWarning = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly cancelWait = new AbortController();
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: TelemetryStore,
    private readonly options: BatchWriterOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.kick(true), options.batchIntervalMs);
    this.timer.unref();
  }

  push(line: string): void {
    if (this.pending.length + this.sending.length >= this.options.maxPendingPoints) this.dropOldest();
    this.pending.push(line);
    this.metrics.pendingPoints.inc();
    if (this.pending.length >= this.options.batchSize) this.kick(false);
  }

  status(): BatchWriterStatus {
    return {
      pendingPoints: this.pending.length + this.sending.length,
      lastWriteAt: this.lastWriteAt?.toISOString() ?? null,
      lastError: this.lastError,
      retrying: this.retrying,
    };
  }

  /** Writes everything pending now; resolves when it is written (or when close gives up on InfluxDB). */
  async flush(): Promise<void> {
    do {
      this.kick(true);
      await this.idle;
    } while (!this.closed && this.pending.length + this.sending.length > 0);
  }

  /** Stops the timer and writes what is pending, waiting at most `timeoutMs` for InfluxDB. */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = setTimeout(() => {
      this.closed = true;
      this.cancelWait.abort();
    }, timeoutMs);
    await this.flush();
    clearTimeout(deadline);
    this.closed = true;
    const lost = this.pending.length + this.sending.length;
    if (lost > 0) this.logger.error({ lost }, 'closed with points InfluxDB never acknowledged');
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
      if (!this.closed && (again || this.pending.length >= this.options.batchSize)) this.kick(again);
    });
  }

  private async drain(force: boolean): Promise<void> {
    while (!this.closed || this.sending.length > 0) {
      if (this.sending.length === 0) {
        if (this.pending.length === 0 || (!force && this.pending.length < this.options.batchSize)) return;
        this.sending = this.pending.splice(0, this.options.batchSize);
      }
      if (!(await this.writeSending())) return;
    }
  }

  /** Writes the batch in `sending`, retrying while InfluxDB may take it later; false when close gave up waiting. */
  private async writeSending(): Promise<boolean> {
    const batch = this.sending;
    let delay: number = RETRY_DELAY_MS.initial;
    for (;;) {
      try {
        await this.store.write(batch);
        this.settle(batch.length);
        this.metrics.pointsWritten.inc(batch.length);
        this.metrics.batchesWritten.inc();
        this.lastWriteAt = new Date();
        this.lastError = null;
        this.retrying = false;
        return true;
      } catch (error) {
        this.metrics.writeErrors.inc();
        this.lastError = (error as Error).message;
        if (!(error instanceof InfluxWriteError) || !error.retryable) {
          this.logger.error(
            { err: error, points: batch.length },
            'InfluxDB refused a batch; its points are not stored',
          );
          this.metrics.pointsRejected.inc(batch.length);
          this.settle(batch.length);
          return true;
        }
        this.retrying = true;
        const wait = error.retryAfterMs ?? delay * (1 + RETRY_JITTER * Math.random());
        this.logger.warn({ err: error.message, retryInMs: Math.round(wait) }, 'InfluxDB write failed; retrying');
        if (!(await this.wait(wait))) return false;
        delay = Math.min(delay * 2, RETRY_DELAY_MS.max);
      }
    }
  }

  private settle(count: number): void {
    this.sending = [];
    this.metrics.pendingPoints.dec(count);
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

  private dropOldest(): void {
    if (this.pending.length === 0) return;
    this.pending.shift();
    this.metrics.pendingPoints.dec();
    this.metrics.pointsDropped.inc();
    const now = Date.now();
    if (now - this.lastDropWarning > DROP_WARNING_INTERVAL_MS) {
      this.lastDropWarning = now;
      this.logger.error(
        { maxPendingPoints: this.options.maxPendingPoints },
        'InfluxDB is not keeping up and the pending buffer is full: dropping the oldest points',
      );
    }
  }
}
