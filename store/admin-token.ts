import fs from 'node:fs';
import path from 'node:path';
import { generateSecret } from './credentials.js';
import { DATA_DIR_MODE } from './sqlite.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface AdminToken {
  readonly token: string;
  /** True when this call generated it: the caller prints it, once. */
  readonly generated: boolean;
}

/**
 * The admin key: LW_ADMIN_TOKEN when set, else the one generated at first start and kept
 * in the data directory (mode 0600) so that every liftwatch process on this data directory
 * shares it.
 */
export function resolveAdminToken(dataDir: string, fromEnv: string | undefined): AdminToken {
  if (fromEnv) return { token: fromEnv, generated: false };
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  fs.mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  try {
    const token = generateSecret();
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, generated: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { token: fs.readFileSync(file, 'utf8').trim(), generated: false };
  }
}

/** The admin key for a client of a running liftwatch: LW_ADMIN_TOKEN or the file; never generates one. */
export function readAdminToken(dataDir: string, fromEnv: string | undefined): string | undefined {
  if (fromEnv) return fromEnv;
  try {
    return fs.readFileSync(path.join(dataDir, ADMIN_TOKEN_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}
