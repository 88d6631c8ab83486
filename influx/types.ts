/** One series of an InfluxQL result, rows keyed by column name. */
export interface Series {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** Where telemetry lives: InfluxDB 1.x HTTP API, or anything that speaks it. */
export interface TelemetryStore {
  /** The server's version; throws when it does not answer. */
  ping(): Promise<string>;
  ensureDatabase(): Promise<void>;
  /** Line protocol, millisecond precision: lines, or a body of lines as bytes; throws InfluxWriteError. */
  write(lines: readonly string[] | Uint8Array): Promise<void>;
  /** One InfluxQL statement; times come back as epoch milliseconds. */
  query(influxql: string): Promise<Series[]>;
}

export class InfluxWriteError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server was not reached. */
    readonly status: number,
    /** Milliseconds the server asked to wait (Retry-After), when it did. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'InfluxWriteError';
  }

  /** Network errors, 429 and 5xx may succeed later; 4xx will not. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
