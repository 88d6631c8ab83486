import { loadConfig, type Env, type LiftwatchConfig } from '../config/env.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createMetrics, type Metrics } from '../lib/metrics.js';
import { TokenReplacements } from '../lib/token-replacements.js';
import { resolveAdminToken, type AdminToken } from '../store/admin-token.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { claimDataDir } from './data-dir.js';
import { Teardown } from './lifecycle.js';

/** What every long-running command opens first. */
export interface Context {
  readonly config: LiftwatchConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly admin: AdminToken;
  readonly teardown: Teardown;
  /** The API announces replaced device tokens here; a broker in the same process drops those devices. */
  readonly tokenReplacements: TokenReplacements;
}

export function openContext(env: Env = process.env as Env): Context {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, config.logFormat);
  const teardown = new Teardown();
  claimDataDir(config.dataDir);
  const store = openSqliteStore(config.dataDir);
  teardown.add('store', () => store.close());
  return {
    config,
    logger,
    metrics: createMetrics(),
    store,
    admin: resolveAdminToken(config.dataDir, config.adminToken),
    teardown,
    tokenReplacements: new TokenReplacements(),
  };
}

/** Runs `start` with a teardown; if starting fails, what was started is stopped before the error goes on. */
export async function startOrUndo(context: Context, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    await context.teardown.run(context.logger);
    throw error;
  }
}
