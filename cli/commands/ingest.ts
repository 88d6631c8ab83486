import type { Command } from '../command.js';
import { openContext, startOrUndo } from '../context.js';
import { untilSignal } from '../lifecycle.js';
import { say } from '../print.js';
import { ingestFor, rulesFor, telemetryFor } from '../system.js';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'run ingest alone, as an MQTT client of a running broker',
  help: `Connects to the broker at LW_MQTT_URL (default mqtt://LW_HOST:LW_MQTT_PORT) as
\`liftwatch:ingest\` with the admin key and a persistent session, validates and enriches every
elevator message and writes it to InfluxDB (INFLUX_URL, or the local influxd it starts).`,
  options: {},
  async run() {
    const context = openContext();
    const { config, logger, admin, teardown } = context;
    await startOrUndo(context, async () => {
      const telemetry = await telemetryFor(context, { embed: true });
      const { engine } = await rulesFor(context, telemetry);
      const ingest = ingestFor(context, telemetry, engine);
      await ingest.subscribe(config.mqtt.url, admin.token);
      say(
        `liftwatch ingest: reading ${config.mqtt.url}, writing ${telemetry.store.url} database "${config.influx.db}"`,
      );
    });
    await untilSignal(logger);
    await teardown.run(logger);
  },
};
