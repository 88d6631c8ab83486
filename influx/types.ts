/** One series of an InfluxQL result, rows keyed by column name. */
export interface Series {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/**
 * A value for a `$name` placeholder of an InfluxQL statement, sent beside it as InfluxDB 1.x's
 * `params` (bind parameters): a value never becomes statement text, so none can change what a
 * statement means. A string compares as a string, and with `time` as an RFC 3339 time (timeParam);
 * a number binds as an integer, or a float when it has a fraction; the objects bind a regex, a
 * duration or an identifier.
 */
export type QueryParam =
  | string
  | number
  | boolean
  | { readonly regex: string }
  | { readonly duration: string }
  | { readonly identifier: string };
export type QueryParams = Readonly<Record<string, QueryParam>>;

/** One InfluxQL statement and the values bound to its placeholders. */
export interface BoundQuery {
  readonly influxql: string;
  readonly params: QueryParams;
}

/** Where telemetry lives: InfluxDB 1.x HTTP API, or anything that speaks it. */
export interface TelemetryStore {
  /** The server's version; throws when it does not answer. */
  ping(): Promise<string>;
  ensureDatabase(): Promise<void>;
  /** Line protocol, millisecond precision: lines, or a body of lines as bytes; throws InfluxWriteError. */
  write(lines: readonly string[] | Uint8Array): Promise<void>;
  /**
   * One InfluxQL statement of constant text, every value in it a `$name` placeholder bound in
   * `params`; times come back as epoch milliseconds.
   */
  query(influxql: string, params?: QueryParams): Promise<Series[]>;
}

/** A statement InfluxDB refused or failed, with the HTTP status it answered. */
export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'InfluxQueryError';
  }
}

/** InfluxDB's answer to a write with a line it cannot take. */
export const HTTP_BAD_REQUEST = 400;
/** A write over InfluxDB's max-body-size (or a proxy's limit). */
export const HTTP_PAYLOAD_TOO_LARGE = 413;
const REFUSALS_OF_THE_LINES: ReadonlySet<number> = new Set([HTTP_BAD_REQUEST, HTTP_PAYLOAD_TOO_LARGE]);

export class InfluxWriteError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server was not reached. */
    readonly status: number,
    /** Milliseconds the server asked to wait (Retry-After), when it did. */
    readonly retryAfterMs: number | undefined,
    /** The server's own words, whole (InfluxDB's `{"error": …}`): which lines a 400 refused. Empty without. */
    readonly serverError = '',
  ) {
    super(message);
    this.name = 'InfluxWriteError';
  }

  /**
   * Only a refusal of the lines themselves is for good: 400 (a line it cannot take) and 413 (too
   * large). Anything else may succeed later with the same lines: network errors, 429 and 5xx, and
   * 401, 403 or 404 (credentials or database missing), which an operator fixes without the data.
   */
  get retryable(): boolean {
    return !REFUSALS_OF_THE_LINES.has(this.status);
  }
}
