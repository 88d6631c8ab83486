import { InfluxQueryError, InfluxWriteError, type QueryParams, type Series, type TelemetryStore } from './types.js';

export interface InfluxHttpOptions {
  readonly url: string;
  readonly db: string;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** Per request. Default 15 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const SECOND_MS = 1000;

interface QueryResponse {
  results?: Array<{
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
  error?: string;
}

/** Retry-After in seconds (RFC 9110); an HTTP date is also accepted. */
function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * SECOND_MS);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The `error` of an InfluxDB answer's JSON body, or the body as it is. */
function serverError(body: string): string {
  try {
    const { error } = JSON.parse(body) as { error?: unknown };
    return typeof error === 'string' ? error : body;
  } catch {
    return body;
  }
}

/** TelemetryStore over the InfluxDB 1.x HTTP API (/ping, /write, /query) with fetch. */
export class InfluxHttpStore implements TelemetryStore {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(private readonly options: InfluxHttpOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.headers = {};
    if (options.user !== undefined) {
      const credentials = Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64');
      this.headers.authorization = `Basic ${credentials}`;
    }
  }

  get url(): string {
    return this.base;
  }

  async ping(): Promise<string> {
    const response = await fetch(`${this.base}/ping`, {
      headers: this.headers,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.status !== 204) throw new Error(`InfluxDB /ping answered ${response.status}`);
    return response.headers.get('x-influxdb-version') ?? 'unknown';
  }

  async ensureDatabase(): Promise<void> {
    await this.query('CREATE DATABASE $db', { db: { identifier: this.options.db } });
  }

  async write(lines: readonly string[] | Uint8Array): Promise<void> {
    const url = `${this.base}/write?db=${encodeURIComponent(this.options.db)}&precision=ms`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' },
        body: lines instanceof Uint8Array ? lines : lines.join('\n'),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new InfluxWriteError(`InfluxDB write failed: ${(error as Error).message}`, 0, undefined);
    }
    if (response.status === 204) return;
    const text = await response.text().catch(() => '');
    throw new InfluxWriteError(
      `InfluxDB write answered ${response.status}: ${text.slice(0, 500)}`,
      response.status,
      parseRetryAfter(response.headers.get('retry-after')),
      serverError(text),
    );
  }

  /**
   * POSTed as a form: the values in `params` stay out of URLs (and logs of them), and a list of
   * 10,000 elevators fits. One statement only: a `;` would start a second, whatever it says.
   */
  async query(influxql: string, params: QueryParams = {}): Promise<Series[]> {
    if (influxql.includes(';')) throw new Error(`InfluxQL refused: one statement, without ';': ${influxql}`);
    const form = new URLSearchParams({ db: this.options.db, q: influxql, epoch: 'ms', params: JSON.stringify(params) });
    const response = await fetch(`${this.base}/query`, {
      method: 'POST',
      headers: this.headers,
      body: form,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as QueryResponse;
    const error = body.error ?? body.results?.find((result) => result.error)?.error;
    if (!response.ok || error)
      throw new InfluxQueryError(`InfluxQL failed (${response.status}): ${error ?? 'no body'}`, response.status);
    return (body.results ?? []).flatMap((result) =>
      (result.series ?? []).map((series) => ({
        name: series.name,
        tags: series.tags ?? {},
        rows: series.values.map((values) => Object.fromEntries(series.columns.map((column, i) => [column, values[i]]))),
      })),
    );
  }
}
