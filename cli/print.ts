import path from 'node:path';
import type { LiftwatchConfig } from '../config/env.js';
import { ADMIN_TOKEN_FILE, type AdminToken } from '../store/admin-token.js';

/** What a command prints for its user goes to stdout; logs go to stderr. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function describeAdminKey(admin: AdminToken, config: LiftwatchConfig): string {
  const file = path.join(config.dataDir, ADMIN_TOKEN_FILE);
  if (admin.generated) return `${admin.token}  (generated now and kept in ${file}; shown once)`;
  return config.adminToken ? 'the value of LW_ADMIN_TOKEN' : `kept in ${file}`;
}
