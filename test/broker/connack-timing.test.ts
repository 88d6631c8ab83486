import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hashSecret, verifySecret } from '../../store/credentials.js';
import { listeningBroker } from '../helpers/broker.js';
import { registration } from '../helpers/fixtures.js';
import { issueTestToken } from '../helpers/tokens.js';

const HOST = '127.0.0.1';
/** Pairs of attempts, one for each kind of id, in alternating order: the machine's load hits both alike. */
const PAIRS = 41;
const WARM_UP_PAIRS = 5;
const SCRYPT_SAMPLES = 21;
/** CONNACK 4, bad user name or password. */
const CONNACK_REFUSED = 4;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Milliseconds from a CONNECT's last byte to the CONNACK, on a connection opened beforehand; and its return code. */
async function timeConnack(port: number, id: string, password: string): Promise<{ ms: number; returnCode: number }> {
  const socket = net.connect(port, HOST);
  socket.setNoDelay(true);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const connack = new Promise<number>((resolve) =>
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') resolve(packet.returnCode ?? -1);
    }),
  );
  socket.on('data', (chunk) => parser.parse(chunk));
  const connect = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: id,
    username: id,
    password: Buffer.from(password),
    clean: true,
    keepalive: 60,
  });
  const started = performance.now();
  socket.write(connect);
  const returnCode = await connack;
  const ms = performance.now() - started;
  socket.destroy();
  return { ms, returnCode };
}

describe('CONNACK timing', () => {
  it('refuses an unknown elevator id as slowly as a registered one with a wrong token', async () => {
    const b = await listeningBroker('admin-token-for-timing-tests');
    onTestFinished(() => b.close());
    await issueTestToken(b.store, registration('KNOWN-1'));
    const attempt = (id: string) => timeConnack(b.addresses.port, id, 'not-the-token');

    const differences: number[] = [];
    for (let pair = 0; pair < WARM_UP_PAIRS + PAIRS; pair++) {
      // Alternating which goes first, so neither is always the one after a pause.
      const order = pair % 2 === 0 ? ['KNOWN-1', 'GHOST-1'] : ['GHOST-1', 'KNOWN-1'];
      const times = new Map<string, number>();
      for (const id of order) {
        const { ms, returnCode } = await attempt(id);
        expect(returnCode).toBe(CONNACK_REFUSED);
        times.set(id, ms);
      }
      if (pair >= WARM_UP_PAIRS) differences.push((times.get('KNOWN-1') as number) - (times.get('GHOST-1') as number));
    }

    // What one scrypt verification costs here, now: the gap a registered id showed.
    const hash = await hashSecret('timing');
    const scryptMs: number[] = [];
    for (let i = 0; i < SCRYPT_SAMPLES; i++) {
      const started = performance.now();
      await verifySecret('not-the-token', hash);
      scryptMs.push(performance.now() - started);
    }
    expect(Math.abs(median(differences))).toBeLessThan(median(scryptMs) / 2);
  });
});
