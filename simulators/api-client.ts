import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  ELEVATOR_CSV_COLUMNS,
  type Elevator,
  elevatorRegistrationSchema,
  type ElevatorRegistration,
  type elevatorCredentialsSchema,
  type elevatorImportReportSchema,
} from '../contract/index.js';
import { FleetError } from './errors.js';
import { politeFetch } from './polite-fetch.js';

/** Where simulated elevators keep their device tokens between runs, unless told otherwise; one file per shard. */
export const credentialsFileIn = (dataDir: string, shard?: { index: number; count: number }) =>
  path.join(
    dataDir,
    shard ? `simulator-credentials.${shard.index + 1}-of-${shard.count}.json` : 'simulator-credentials.json',
  );

export interface ApiClientOptions {
  readonly apiUrl: string;
  readonly adminToken: string;
}

type Tokens = Record<string, string>;

/** The simulators' client of liftwatch's admin API; `allow404` returns null instead of failing. */
async function call<T>(
  { apiUrl, adminToken }: ApiClientOptions,
  method: string,
  route: string,
  body?: string,
  type?: string,
  allow404 = false,
): Promise<T | null> {
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
  if (type) headers['content-type'] = type;
  let response: Response;
  try {
    response = await politeFetch(`${apiUrl}${route}`, { method, headers, body });
  } catch (error) {
    const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new FleetError(
      `cannot reach the liftwatch API at ${apiUrl} (${reason}). Is liftwatch running? Set LW_API_URL if it listens elsewhere.`,
    );
  }
  if (allow404 && response.status === 404) return null;
  const json = (await response.json().catch(() => ({}))) as T & { code?: string; message?: string };
  if (response.status === 401)
    throw new FleetError(
      `the liftwatch API at ${apiUrl} refused the admin key (LW_ADMIN_TOKEN or the data directory's admin-token)`,
    );
  if (!response.ok)
    throw new FleetError(`${method} ${route} answered ${response.status}: ${json.message ?? 'no message'}`);
  return json;
}

/** An absent optional value (no gateway) is a blank cell. */
const csvCell = (value: string | number | undefined) => {
  const text = value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

function toCsv(registrations: readonly ElevatorRegistration[]): string {
  const lines = registrations.map((row) => ELEVATOR_CSV_COLUMNS.map((column) => csvCell(row[column])).join(','));
  return [ELEVATOR_CSV_COLUMNS.join(','), ...lines].join('\n');
}

function readTokens(file: string): Tokens {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Tokens;
  } catch {
    return {};
  }
}

async function required<T>(...args: Parameters<typeof call<T>>): Promise<T> {
  return (await call<T>(...args)) as T;
}

/** A new token for a registered elevator (its old token stops working); an error when it is not registered. */
export async function reissueToken(api: ApiClientOptions, id: string): Promise<string> {
  const route = `/api/elevators/${encodeURIComponent(id)}/token`;
  const issued = await call<z.infer<typeof elevatorCredentialsSchema>>(api, 'POST', route, undefined, undefined, true);
  if (!issued) throw new FleetError(`elevator ${id} is not registered, and there is no registry row for it`);
  return issued.token;
}

/** The registry row of an elevator, or null when it is not registered. */
export async function fetchRegistration(api: ApiClientOptions, id: string): Promise<ElevatorRegistration | null> {
  const elevator = await call<Elevator>(
    api,
    'GET',
    `/api/elevators/${encodeURIComponent(id)}`,
    undefined,
    undefined,
    true,
  );
  if (!elevator) return null;
  return elevatorRegistrationSchema.parse(elevator);
}

/** Rows per import request: each row costs the API a token hash, so a big fleet goes in chunks. */
const IMPORT_CHUNK = 5000;

/** Device tokens are the user's alone: the file 0600 (one an earlier version wrote too), a directory it needs 0700. */
const TOKENS_FILE_MODE = 0o600;
const TOKENS_DIR_MODE = 0o700;

function saveTokens(file: string, tokens: Tokens): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: TOKENS_DIR_MODE });
  fs.writeFileSync(file, JSON.stringify(tokens, null, 1), { mode: TOKENS_FILE_MODE });
  fs.chmodSync(file, TOKENS_FILE_MODE);
}

/**
 * Device tokens for the given elevators: from the credentials file when known, else by
 * registering them through the API (CSV imports), else, for elevators registered earlier
 * whose token is lost, by reissuing their token. The file is updated (mode 0600) after each
 * chunk, so an interrupted registration of a large fleet resumes where it stopped.
 */
export async function obtainTokens(
  api: ApiClientOptions,
  registrations: readonly ElevatorRegistration[],
  credentialsFile: string,
  onProgress: (registered: number, total: number) => void = () => undefined,
): Promise<Tokens> {
  const tokens = readTokens(credentialsFile);
  const unknown = registrations.filter((row) => tokens[row.id] === undefined);
  for (let start = 0; start < unknown.length; start += IMPORT_CHUNK) {
    const chunk = unknown.slice(start, start + IMPORT_CHUNK);
    const report = await required<z.infer<typeof elevatorImportReportSchema>>(
      api,
      'POST',
      '/api/elevators/import',
      toCsv(chunk),
      'text/csv',
    );
    for (const { id, token } of report.created) tokens[id] = token;
    for (const { id, code, reason } of report.rejected) {
      if (id === undefined || code !== 'LW_ERR_ELEVATOR_EXISTS') {
        throw new FleetError(`registering ${id ?? '?'} failed: ${reason}`);
      }
      tokens[id] = await reissueToken(api, id);
    }
    saveTokens(credentialsFile, tokens);
    onProgress(start + chunk.length, unknown.length);
  }
  return tokens;
}
