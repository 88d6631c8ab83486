import { urlHost } from '../../lib/net.js';
import type { Command } from '../command.js';
import { openContext, startOrUndo } from '../context.js';
import { untilSignal } from '../lifecycle.js';
import { describeAdminKey, say } from '../print.js';
import { brokerFor } from '../system.js';

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'run the MQTT broker alone (pair it with `liftwatch ingest`)',
  help: `Runs the MQTT broker (TCP on LW_MQTT_PORT, WebSocket on LW_MQTT_WS_PORT, TLS on
LW_MQTT_TLS_PORT when LW_TLS_CERT and LW_TLS_KEY are set) with the registry in $LW_DATA_DIR
for device authentication; a device whose token is replaced there is disconnected within 2 s.
Nothing is stored unless a \`liftwatch ingest\` on the same data directory (or admin key)
subscribes to it.`,
  options: {},
  async run() {
    const context = openContext();
    const { config, logger, admin, teardown } = context;
    await startOrUndo(context, async () => {
      const { port, wsPort, tlsPort } = await (await brokerFor(context)).listen();
      const host = urlHost(config.host);
      const tls = tlsPort === null ? '' : `, TLS mqtts://${host}:${tlsPort}`;
      say(`liftwatch broker on mqtt://${host}:${port} (WebSocket ws://${host}:${wsPort}${tls})`);
      say(`  Admin key   ${describeAdminKey(admin, config)}`);
    });
    await untilSignal(logger);
    await teardown.run(logger);
  },
};
