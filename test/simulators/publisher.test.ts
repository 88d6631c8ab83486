import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTopic } from '../../contract/index.js';
import { DevicePublisher, disconnectAll } from '../../simulators/publisher.js';

const MAX_INFLIGHT = 2;
const MESSAGES_EACH = 50;

/** A bare broker that takes every client: the publisher's flow control is what is tested. */
async function bareBroker(): Promise<string> {
  const broker = await Aedes.createBroker({ authenticate: (_client, _username, _password, done) => done(null, true) });
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      }),
  );
  return `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('DevicePublisher', () => {
  it('lets several callers wait for room in flight at once, and wakes them all', async () => {
    const publisher = new DevicePublisher({
      mqttUrl: await bareBroker(),
      logger: pino({ level: 'silent' }),
      maxInflight: MAX_INFLIGHT,
    });
    const ids = ['PUB-A', 'PUB-B', 'PUB-C'];
    const clients = await Promise.all(ids.map((id) => publisher.connect(id, 'token')));
    onTestFinished(() => disconnectAll(clients).then(() => undefined));
    // Each caller publishes in its own loop, as the simulator's fleet and its probes do.
    await Promise.all(
      clients.map(async (client, i) => {
        for (let seq = 0; seq < MESSAGES_EACH; seq++) {
          await publisher.publish(client, buildTopic(ids[i] as string, 'telemetry'), String(seq), 'telemetry');
        }
      }),
    );
    await publisher.drain();
    expect(publisher.stats()).toMatchObject({ published: ids.length * MESSAGES_EACH, errors: 0 });
  });
});
