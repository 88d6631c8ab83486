import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  ELEVATOR_CSV_COLUMNS,
  type ElevatorRegistration,
  type elevatorCredentialsSchema,
  type elevatorImportReportSchema,
} from '../contract/index.js';

/** Where simulated elevators keep their device tokens between runs, unless told otherwise. */
export const credentialsFileIn = (dataDir: string) => path.join(dataDir, 'simulator-credentials.json');

export interface ApiClientOptions {
  readonly apiUrl: string;
  readonly adminToken: string;
}

type Tokens = Record<string, string>;

async function call<T>(
  { apiUrl, adminToken }: ApiClientOptions,
  method: string,
  route: string,
  body?: string,
  type?: string,
) {
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
  if (type) headers['content-type'] = type;
  const response = await fetch(`${apiUrl}${route}`, { method, headers, body });
  const json = (await response.json().catch(() => ({}))) as T & { code?: string; message?: string };
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${json.message ?? 'no message'}`);
  return json;
}

const csvCell = (value: string | number) => {
  const text = String(value);
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

/**
 * Device tokens for the given elevators: from the credentials file when known, else by
 * registering them through the API (one CSV import), else, for elevators registered
 * earlier whose token is lost, by reissuing their token. The file is updated (mode 0600).
 */
export async function obtainTokens(
  api: ApiClientOptions,
  registrations: readonly ElevatorRegistration[],
  credentialsFile: string,
): Promise<Tokens> {
  const tokens = readTokens(credentialsFile);
  const unknown = registrations.filter((row) => tokens[row.id] === undefined);
  if (unknown.length > 0) {
    const csv = toCsv(unknown);
    const report = await call<z.infer<typeof elevatorImportReportSchema>>(
      api,
      'POST',
      '/api/elevators/import',
      csv,
      'text/csv',
    );
    for (const { id, token } of report.created) tokens[id] = token;
    for (const { id, code, reason } of report.rejected) {
      if (id === undefined || code !== 'LW_ERR_ELEVATOR_EXISTS') {
        throw new Error(`registering ${id ?? '?'} failed: ${reason}`);
      }
      const route = `/api/elevators/${encodeURIComponent(id)}/token`;
      const issued = await call<z.infer<typeof elevatorCredentialsSchema>>(api, 'POST', route);
      tokens[id] = issued.token;
    }
    fs.mkdirSync(path.dirname(credentialsFile), { recursive: true });
    fs.writeFileSync(credentialsFile, JSON.stringify(tokens, null, 1), { mode: 0o600 });
  }
  return tokens;
}
