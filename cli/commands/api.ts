import { Scanner } from '../../rules/scanner.js';
import type { Command } from '../command.js';
import { openContext, startOrUndo } from '../context.js';
import { healthChecks } from '../health-checks.js';
import { untilSignal } from '../lifecycle.js';
import { describeAdminKey, say } from '../print.js';
import { listenApi, telemetryFor } from '../system.js';

export const apiCommand: Command = {
  name: 'api',
  summary: 'run the HTTP API alone',
  help: `Serves the HTTP API on LW_HOST:LW_HTTP_PORT over the store in $LW_DATA_DIR. It reads
InfluxDB at INFLUX_URL, or the local influxd that \`liftwatch ingest\` or \`start\` runs.`,
  options: {},
  async run() {
    const context = openContext();
    const { config, logger, store, admin, teardown } = context;
    await startOrUndo(context, async () => {
      const telemetry = await telemetryFor(context, { embed: false });
      // Scans asked of this process open tickets; the engine in the ingest process settles them at its next scan.
      const scanner = new Scanner({ store, telemetry: telemetry.store, logger });
      const origin = await listenApi(context, telemetry, scanner, healthChecks({ store, telemetry }));
      say(`liftwatch api on ${origin}`);
      say(`  Admin key   ${describeAdminKey(admin, config)}`);
    });
    await untilSignal(logger);
    await teardown.run(logger);
  },
};
