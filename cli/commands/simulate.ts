import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../lib/logger.js';
import { readAdminToken } from '../../store/admin-token.js';
import { credentialsFileIn } from '../../simulators/credentials.js';
import { FLEET_DEFAULTS, build as buildFleet } from '../../simulators/fleet.js';
import type { Command } from '../command.js';
import { untilSignal } from '../lifecycle.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';
import { parseCount, parseDurationOption } from '../values.js';

const DEFAULTS = { elevators: 10, duration: '1m', telemetryEvery: '60s' } as const;
const PROGRESS_EVERY_MS = 10_000;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'publish traffic from simulated elevators through a running liftwatch',
  help: `Registers N demo elevators through the HTTP API (LW_API_URL, default http://LW_HOST:LW_HTTP_PORT)
with the admin key (LW_ADMIN_TOKEN or $LW_DATA_DIR/admin-token), or reuses them, then connects
each to the broker (LW_MQTT_URL) with its own credentials and publishes telemetry, door cycles
and occasional faults until the duration is over or it is interrupted.

Options:
  --elevators N          how many elevators (default ${DEFAULTS.elevators})
  --duration D           how long to publish, e.g. 30s, 5m, 2h (default ${DEFAULTS.duration})
  --telemetry-every D    telemetry interval per elevator (default ${DEFAULTS.telemetryEvery})
  --seed N               same seed, same fleet and traffic (default ${FLEET_DEFAULTS.seed})
  --prefix P             elevator id prefix (default ${FLEET_DEFAULTS.idPrefix})
  --credentials FILE     device tokens kept between runs (default $LW_DATA_DIR/simulator-credentials.json)`,
  options: {
    elevators: { type: 'string' },
    duration: { type: 'string' },
    'telemetry-every': { type: 'string' },
    seed: { type: 'string' },
    prefix: { type: 'string' },
    credentials: { type: 'string' },
  },
  async run(values) {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const elevators = parseCount('--elevators', values.elevators, DEFAULTS.elevators);
    const durationMs = parseDurationOption('--duration', values.duration, DEFAULTS.duration);
    const adminToken = readAdminToken(config.dataDir, config.adminToken);
    if (!adminToken) {
      throw new UsageError(
        `No admin key: set LW_ADMIN_TOKEN, or LW_DATA_DIR to the data directory of the running liftwatch (now ${config.dataDir})`,
      );
    }
    const fleet = buildFleet({
      elevators,
      seed: parseCount('--seed', values.seed, FLEET_DEFAULTS.seed),
      idPrefix: typeof values.prefix === 'string' ? values.prefix : FLEET_DEFAULTS.idPrefix,
      faultChance: FLEET_DEFAULTS.faultChance,
      telemetryIntervalMs: parseDurationOption('--telemetry-every', values['telemetry-every'], DEFAULTS.telemetryEvery),
      mqttUrl: config.mqtt.url,
      api: { apiUrl: config.http.url, adminToken },
      credentialsFile: typeof values.credentials === 'string' ? values.credentials : credentialsFileIn(config.dataDir),
      logger,
    });
    const report = () => {
      const { connected, published } = fleet.stats();
      say(`simulate: ${connected}/${elevators} connected, ${published} messages published`);
    };
    await fleet.start();
    const progress = setInterval(report, PROGRESS_EVERY_MS);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, durationMs)), untilSignal(logger)]);
    clearInterval(progress);
    report();
    await fleet.stop();
    say('simulate: done');
  },
};
