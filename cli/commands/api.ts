import { build as buildApi } from '../../api/index.js';
import type { Command } from '../command.js';
import { openContext, startOrUndo } from '../context.js';
import { healthChecks } from '../health-checks.js';
import { untilSignal } from '../lifecycle.js';
import { describeAdminKey, say } from '../print.js';
import { openTelemetry } from '../telemetry.js';

export const apiCommand: Command = {
  name: 'api',
  summary: 'run the HTTP API alone',
  help: `Serves the HTTP API on LW_HOST:LW_HTTP_PORT over the store in $LW_DATA_DIR. It reads
InfluxDB at INFLUX_URL, or the local influxd that \`liftwatch ingest\` or \`start\` runs.`,
  options: {},
  async run() {
    const context = openContext();
    const { config, logger, metrics, store, admin, teardown } = context;
    await startOrUndo(context, async () => {
      const telemetry = await openTelemetry(config, logger, { embed: false });
      const api = await buildApi({
        store,
        adminToken: admin.token,
        metrics,
        logger,
        healthChecks: healthChecks({ store, telemetry }),
      });
      teardown.add('HTTP API', () => api.close());
      await api.listen({ host: config.host, port: config.http.port });
      say(`liftwatch api on ${api.listeningOrigin}; admin key ${describeAdminKey(admin, config)}`);
    });
    await untilSignal(logger);
    await teardown.run(logger);
  },
};
