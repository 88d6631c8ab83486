import { inject } from 'vitest';
import type { ElevatorRegistration } from '../../contract/index.js';
import type { Env } from '../../config/env.js';
import { openContext, type Context } from '../../cli/context.js';
import { startSystem, type RunningSystem } from '../../cli/system.js';
import { tempDir, uniqueDatabase } from './fixtures.js';

export interface TestSystem extends RunningSystem {
  readonly context: Context;
  readonly adminToken: string;
  /** Registers through the real HTTP API and returns the device token. */
  register(registration: ElevatorRegistration): Promise<string>;
  /** Waits until ingest has written what it holds, then runs InfluxQL. */
  query(influxql: string): ReturnType<RunningSystem['telemetry']['store']['query']>;
  stop(): Promise<void>;
}

/** The whole system in this process, on ephemeral ports, the suite's influxd and a database of its own. */
export async function startTestSystem(env: Env = {}): Promise<TestSystem> {
  const context = openContext({
    LW_DATA_DIR: tempDir(),
    LW_MQTT_PORT: '0',
    LW_MQTT_WS_PORT: '0',
    LW_HTTP_PORT: '0',
    INFLUX_URL: inject('influxUrl'),
    INFLUX_DB: uniqueDatabase(),
    LW_LOG_LEVEL: 'silent',
    LW_BATCH_INTERVAL_MS: '50',
    ...env,
  });
  const system = await startSystem(context);
  const adminToken = context.admin.token;
  return {
    ...system,
    context,
    adminToken,
    async register(registration) {
      const response = await fetch(`${system.httpUrl}/api/elevators`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(registration),
      });
      const body = (await response.json()) as { token: string };
      if (response.status !== 201) throw new Error(`register answered ${response.status}: ${JSON.stringify(body)}`);
      return body.token;
    },
    async query(influxql) {
      await system.ingest.flush();
      return system.telemetry.store.query(influxql);
    },
    stop: () => context.teardown.run(context.logger),
  };
}
