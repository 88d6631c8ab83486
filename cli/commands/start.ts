import type { Command, Values } from '../command.js';
import { openContext, startOrUndo } from '../context.js';
import { DEMO_DEFAULTS, DEMO_FILE, MAX_DEMO_DAYS, startDemo, type DemoOptions } from '../demo.js';
import { untilSignal } from '../lifecycle.js';
import { describeAdminKey, say } from '../print.js';
import { startSystem } from '../system.js';
import { UsageError } from '../usage-error.js';
import { parseCount, parseDurationOption } from '../values.js';

function demoOptions(values: Values): DemoOptions | null {
  if (!values.demo) return null;
  const speed = values['demo-speed'] === undefined ? DEMO_DEFAULTS.speed : Number(values['demo-speed']);
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError('--demo-speed takes a positive number');
  const days = parseCount('--demo-days', values['demo-days'], DEMO_DEFAULTS.days);
  if (days > MAX_DEMO_DAYS) throw new UsageError(`--demo-days takes at most ${MAX_DEMO_DAYS}, not ${days}`);
  return {
    elevators: parseCount('--demo-elevators', values['demo-elevators'], DEMO_DEFAULTS.elevators),
    days,
    speed,
    progressMs: parseDurationOption('--progress-every', values['progress-every'], DEMO_DEFAULTS.progressEvery),
  };
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run everything in one process: broker, ingest, HTTP API (and the local InfluxDB)',
  help: `Runs the MQTT broker (TCP and WebSocket), ingest on the broker's publish path, the HTTP API
and, unless INFLUX_URL is set, a local influxd with its data under $LW_DATA_DIR/influxdb.
Stops everything, influxd included, on SIGINT or SIGTERM.

Options:
  --demo                   also run a small simulated fleet through the real path: first its last
                           days of history at full speed (wear, maintenance visits, a power cut, an
                           entrapment; the scheduled rules run as of each day), then live. A second
                           run on the same data directory goes on where the last stopped
                           ($LW_DATA_DIR/${DEMO_FILE}): it plays only the time since, nothing twice
  --demo-elevators N       elevators in the demo fleet (default ${DEMO_DEFAULTS.elevators})
  --demo-days N            days of history a new demo plays first (default ${DEMO_DEFAULTS.days}, at most ${MAX_DEMO_DAYS})
  --demo-speed X           simulated seconds per second once live (default ${DEMO_DEFAULTS.speed}; above 1 the demo's clock
                           runs ahead, and ingest refuses what is more than LW_MAX_CLOCK_SKEW ahead)
  --progress-every D       demo progress line interval (default ${DEMO_DEFAULTS.progressEvery}; on a terminal the
                           history's progress is a bar drawn in place)`,
  options: {
    demo: { type: 'boolean' },
    'demo-elevators': { type: 'string' },
    'demo-days': { type: 'string' },
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
      say(`  Console     ${system.httpUrl}/console   (sign in with the admin key)`);
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
