/**
 * A share of the connections benchmark's elevators, in its own process (one process may open
 * at most 20,000 files here). Each elevator connects as a device does: its id as client id and
 * username, its token as password, a will on its online topic, then its retained online flag
 * at QoS 1. Raw MQTT packets over net sockets: nothing per connection but the socket.
 *
 * Usage: connection-clients.ts PORT TOKENS_FILE FIRST COUNT CONCURRENCY. Prints one JSON report
 * when every connection is up or failed, holds them, and on SIGTERM disconnects and exits.
 */
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import mqttPacket from 'mqtt-packet';
import { buildTopic, ONLINE, OFFLINE } from '../contract/index.js';

/** Longest keepalive liftwatch allows: no PINGREQ is due during a benchmark. */
const KEEPALIVE_SECONDS = 1200;
/** A connection not acknowledged within this long has failed. */
const CONNECT_TIMEOUT_MS = 120_000;
const ONLINE_PACKET_ID = 1;
const REPORTED_ERRORS = 5;
/** How long DISCONNECTs may take to leave before the process exits anyway. */
const CLOSE_WAIT_MS = 5000;

const [portText, tokensFile, firstText, countText, concurrencyText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const tokens = JSON.parse(fs.readFileSync(tokensFile, 'utf8')) as Record<string, string>;
const ids = Object.keys(tokens).slice(Number(firstText), Number(firstText) + Number(countText));
const sockets: net.Socket[] = [];
const errors: string[] = [];
let failed = 0;

/** Connects one elevator; resolves true once its online flag is acknowledged. */
function connect(id: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(portText), '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const fail = (reason: string) => {
      if (errors.length < REPORTED_ERRORS) errors.push(`${id}: ${reason}`);
      clearTimeout(timer);
      socket.destroy();
      resolve(false);
    };
    const timer = setTimeout(() => fail('no acknowledgement in time'), CONNECT_TIMEOUT_MS);
    socket.setNoDelay(true);
    socket.once('connect', () =>
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: id,
          username: id,
          password: Buffer.from(tokens[id] as string),
          keepalive: KEEPALIVE_SECONDS,
          will: { topic: buildTopic(id, 'online'), payload: Buffer.from(String(OFFLINE)), qos: 1, retain: true },
        }),
      ),
    );
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        if (packet.returnCode !== 0) return fail(`CONNACK ${packet.returnCode}`);
        socket.write(
          mqttPacket.generate({
            cmd: 'publish',
            topic: buildTopic(id, 'online'),
            payload: Buffer.from(String(ONLINE)),
            qos: 1,
            retain: true,
            messageId: ONLINE_PACKET_ID,
            dup: false,
          }),
        );
      } else if (packet.cmd === 'puback') {
        clearTimeout(timer);
        for (const event of ['data', 'error', 'close']) socket.removeAllListeners(event);
        // Held from now on: a reset at the end is no failure of this benchmark.
        socket.on('error', () => undefined);
        sockets.push(socket);
        resolve(true);
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.once('error', (error) => fail(error.message));
    socket.once('close', () => fail('closed by the broker'));
  });
}

const startedAt = Date.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < ids.length) {
    if (!(await connect(ids[next++] as string))) failed++;
  }
}
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
process.stdout.write(
  `${JSON.stringify({ connected: sockets.length, failed, errors, startedAt, finishedAt: Date.now() })}\n`,
);

process.once('SIGTERM', async () => {
  const disconnect = mqttPacket.generate({ cmd: 'disconnect' });
  const closed = sockets.map((socket) => new Promise((resolve) => socket.end(disconnect, () => resolve(null))));
  await Promise.race([Promise.all(closed), sleep(CLOSE_WAIT_MS)]);
  process.exit(0);
});
