import { build as buildFleet } from '../../simulators/fleet.js';
import { resolveScenario } from '../../simulators/scenario.js';
import { credentialsFileIn } from '../../simulators/api-client.js';
import type { Command, Values } from '../command.js';
import { openContext, startOrUndo, type Context } from '../context.js';
import { untilSignal } from '../lifecycle.js';
import { describeAdminKey, say } from '../print.js';
import { startSystem, type RunningSystem } from '../system.js';
import { UsageError } from '../usage-error.js';
import { parseCount, parseDurationOption } from '../values.js';

const DEMO_DEFAULTS = { elevators: 10, speed: 1, progressEvery: '10s' } as const;
/** The demo runs until liftwatch stops. */
const DEMO_DURATION = '3650d';

interface DemoOptions {
  readonly elevators: number;
  readonly speed: number;
  readonly progressMs: number;
}

function demoOptions(values: Values): DemoOptions | null {
  if (!values.demo) return null;
  const speed = values['demo-speed'] === undefined ? DEMO_DEFAULTS.speed : Number(values['demo-speed']);
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError('--demo-speed takes a positive number');
  return {
    elevators: parseCount('--demo-elevators', values['demo-elevators'], DEMO_DEFAULTS.elevators),
    speed,
    progressMs: parseDurationOption('--progress-every', values['progress-every'], DEMO_DEFAULTS.progressEvery),
  };
}

/** A small simulated fleet through the real path, and a progress line with what InfluxDB has stored. */
function startDemo(context: Context, system: RunningSystem, demo: DemoOptions) {
  const { config, logger, metrics, admin, teardown } = context;
  const scenario = resolveScenario({
    name: 'demo',
    fleet: { elevators: demo.elevators },
    duration: DEMO_DURATION,
    speed: demo.speed,
  });
  const fleet = buildFleet({
    scenario,
    mqttUrl: system.mqttUrl,
    api: { apiUrl: system.httpUrl, adminToken: admin.token },
    credentialsFile: credentialsFileIn(config.dataDir),
    logger: logger.child({ component: 'simulator' }),
  });
  const running = fleet.run().catch((error: unknown) => say(`demo: stopped: ${(error as Error).message}`));
  teardown.add('demo fleet', async () => {
    fleet.stop();
    await running;
  });
  const progress = setInterval(async () => {
    const { connected, published } = fleet.stats();
    const stored = (await metrics.pointsWritten.get()).values[0]?.value ?? 0;
    say(
      `demo: ${connected}/${demo.elevators} elevators connected, ${published} messages published, ${stored} points stored in InfluxDB`,
    );
  }, demo.progressMs);
  teardown.add('demo progress', () => clearInterval(progress));
  say(`demo: ${demo.elevators} simulated elevators publishing; a progress line every ${demo.progressMs / 1000} s`);
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run everything in one process: broker, ingest, HTTP API (and the local InfluxDB)',
  help: `Runs the MQTT broker (TCP and WebSocket), ingest on the broker's publish path, the HTTP API
and, unless INFLUX_URL is set, a local influxd with its data under $LW_DATA_DIR/influxdb.
Stops everything, influxd included, on SIGINT or SIGTERM.

Options:
  --demo                   also run a small simulated fleet through the real path
  --demo-elevators N       elevators in the demo fleet (default ${DEMO_DEFAULTS.elevators})
  --demo-speed X           simulated seconds per second (default ${DEMO_DEFAULTS.speed}; above 1 the demo's clock runs ahead)
  --progress-every D       demo progress line interval (default ${DEMO_DEFAULTS.progressEvery})`,
  options: {
    demo: { type: 'boolean' },
    'demo-elevators': { type: 'string' },
    'demo-speed': { type: 'string' },
    'progress-every': { type: 'string' },
  },
  async run(values) {
    const demo = demoOptions(values);
    const context = openContext();
    const { config, logger, admin, teardown } = context;
    await startOrUndo(context, async () => {
      const system = await startSystem(context);
      say('liftwatch is running');
      say(`  MQTT        ${system.mqttUrl}   (WebSocket: ${system.wsUrl})`);
      if (system.tlsUrl) say(`  MQTT/TLS    ${system.tlsUrl}`);
      say(`  HTTP API    ${system.httpUrl}/api/elevators`);
      say(`  Health      ${system.httpUrl}/api/health   metrics: ${system.httpUrl}/metrics`);
      const local = system.telemetry.embedded ? ` (local influxd, data in ${config.dataDir}/influxdb)` : '';
      say(`  InfluxDB    ${system.telemetry.store.url}   database "${config.influx.db}"${local}`);
      say(`  Admin key   ${describeAdminKey(admin, config)}`);
      say('Stop with Ctrl-C.');
      if (demo) startDemo(context, system, demo);
    });
    const signal = await untilSignal(logger);
    say(`${signal}: stopping`);
    await teardown.run(logger);
    say('stopped');
  },
};
