import { build as buildBroker } from '../../broker/index.js';
import type { Command } from '../command.js';
import { openContext, startOrUndo } from '../context.js';
import { untilSignal } from '../lifecycle.js';
import { describeAdminKey, say } from '../print.js';

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'run the MQTT broker alone (pair it with `liftwatch ingest`)',
  help: `Runs the MQTT broker (TCP on LW_MQTT_PORT, WebSocket on LW_MQTT_WS_PORT) with the
registry in $LW_DATA_DIR for device authentication. Nothing is stored unless a
\`liftwatch ingest\` on the same data directory (or admin key) subscribes to it.`,
  options: {},
  async run() {
    const context = openContext();
    const { config, logger, metrics, store, admin, teardown } = context;
    await startOrUndo(context, async () => {
      const broker = await buildBroker({
        elevators: store.elevators,
        adminToken: admin.token,
        metrics,
        logger,
        host: config.host,
        port: config.mqtt.port,
        wsPort: config.mqtt.wsPort,
      });
      teardown.add('broker', () => broker.close());
      const { port, wsPort } = await broker.listen();
      say(
        `liftwatch broker on mqtt://${config.host}:${port} (WebSocket ${wsPort}); admin key ${describeAdminKey(admin, config)}`,
      );
    });
    await untilSignal(logger);
    await teardown.run(logger);
  },
};
