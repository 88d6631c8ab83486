/**
 * The latency benchmark's background load, in its own process so it does not share an event
 * loop with the probes: registered elevators, each on its own connection with its own token,
 * publishing valid telemetry at QoS 1, round robin, at a fixed total rate until SIGTERM.
 * Prints a line `{"ready":true}` once connected, and its counts as JSON when stopped.
 *
 * argv: mqttUrl credentialsFile ratePerSecond seed
 */
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { buildTopic, DIRECTIONS, DOOR_STATES, SERVICE_MODES } from '../contract/index.js';
import { DevicePublisher, disconnectAll } from '../simulators/publisher.js';
import { Random } from '../simulators/random.js';

/** Publishing is checked this often; each tick sends what the rate owes since the start. */
const TICK_MS = 10;
/**
 * Publishes awaiting their PUBACK, about 3 s of the default rate: 300k real devices wait each for
 * its own acknowledgement, never on a shared bound. Above it a tick sends nothing (counted as skipped).
 */
const MAX_INFLIGHT = 20_000;
/** Connections opened at once: each costs the broker a token check (scrypt). */
const CONNECT_CONCURRENCY = 16;
/** How long a stop waits for the last PUBACKs. */
const DRAIN_MS = 10_000;
const DRAIN_POLL_MS = 50;
const FLOORS = 30;

const [mqttUrl, credentialsFile, rateText, seedText] = process.argv.slice(2) as [string, string, string, string];
const rate = Number(rateText);
const random = new Random(Number(seedText));
const tokens = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
const publisher = new DevicePublisher({ mqttUrl, logger: pino({ level: 'warn' }), maxInflight: MAX_INFLIGHT });

const devices: Array<{ id: string; client: MqttClient; seq: number; lastTs: number; runs: number }> = [];
const ids = Object.keys(tokens);
for (let start = 0; start < ids.length; start += CONNECT_CONCURRENCY) {
  const batch = ids.slice(start, start + CONNECT_CONCURRENCY);
  const clients = await Promise.all(batch.map((id) => publisher.connect(id, tokens[id] as string)));
  clients.forEach((client, i) => devices.push({ id: batch[i] as string, client, seq: 0, lastTs: 0, runs: 0 }));
}

const counts = { published: 0, acked: 0, errors: 0, skipped: 0 };
let inflight = 0;

function publishOne(device: (typeof devices)[number]): void {
  // Never two points of one elevator in one millisecond: InfluxDB keeps one per series and time.
  device.lastTs = Math.max(Date.now(), device.lastTs + 1);
  device.runs += random.int(0, 1);
  const payload = JSON.stringify({
    ts: device.lastTs,
    seq: device.seq++,
    mode: SERVICE_MODES.normal,
    floor: random.int(1, FLOORS),
    direction: random.pick(Object.values(DIRECTIONS)),
    doorState: DOOR_STATES.closed,
    runs: device.runs,
    runSeconds: device.runs * FLOORS,
    doorCycles: device.runs,
  });
  inflight++;
  counts.published++;
  device.client.publish(buildTopic(device.id, 'telemetry'), payload, { qos: 1 }, (error) => {
    inflight--;
    if (error) counts.errors++;
    else counts.acked++;
  });
}

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const startedAt = Date.now();
let offered = 0;
let next = 0;
const ticker = setInterval(() => {
  const due = Math.floor(((Date.now() - startedAt) * rate) / 1000) - offered;
  for (let i = 0; i < due; i++) {
    offered++;
    if (inflight >= MAX_INFLIGHT) {
      counts.skipped++;
      continue;
    }
    publishOne(devices[next] as (typeof devices)[number]);
    next = (next + 1) % devices.length;
  }
}, TICK_MS);

process.once('SIGTERM', async () => {
  clearInterval(ticker);
  const seconds = (Date.now() - startedAt) / 1000;
  const deadline = Date.now() + DRAIN_MS;
  while (inflight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  counts.errors += inflight;
  await disconnectAll(devices.map((device) => device.client));
  process.stdout.write(`${JSON.stringify({ ...counts, seconds, connections: devices.length })}\n`);
  process.exit(0);
});
