import type { LiftwatchConfig } from '../config/env.js';
import { readAdminToken } from '../store/admin-token.js';
import { UsageError } from './usage-error.js';

/** The admin key of the running liftwatch a client command talks to; a usage error when there is none. */
export function requireAdminToken(config: LiftwatchConfig): string {
  const token = readAdminToken(config.dataDir, config.adminToken);
  if (!token) {
    throw new UsageError(
      `No admin key: set LW_ADMIN_TOKEN, or LW_DATA_DIR to the data directory of the running liftwatch (now ${config.dataDir})`,
    );
  }
  return token;
}
