/**
 * The naive bridge of the pipeline-throughput baseline, in its own process: what a user would
 * otherwise wire up. A bare mqtt.js subscriber to every elevator's telemetry, each message's
 * JSON turned into a line of line protocol as it is, batches written to InfluxDB one at a time.
 * No validation, no registry, no rules, no spool: the PUBACK goes as soon as a message arrives.
 *
 * Usage: naive-bridge.ts MQTT_URL INFLUX_URL DB BATCH_SIZE BATCH_INTERVAL_MS. Prints {"ready":true}
 * once subscribed; on SIGTERM writes what it holds and exits.
 */
import mqtt from 'mqtt';

const [mqttUrl, influxUrl, db, batchText, intervalText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const batchSize = Number(batchText);
const TOPIC_FILTER = 'elevators/+/telemetry';

let lines: string[] = [];
let writing: Promise<void> | null = null;

function field(name: string, value: unknown): string {
  if (typeof value === 'number') return `${name}=${Number.isInteger(value) ? `${value}i` : value}`;
  if (typeof value === 'boolean') return `${name}=${value}`;
  return `${name}=${JSON.stringify(String(value))}`;
}

function toLine(topic: string, payload: Buffer): string {
  const { ts, ...values } = JSON.parse(payload.toString()) as Record<string, unknown>;
  const elevator = topic.split('/')[1];
  const fields = Object.entries(values).map(([name, value]) => field(name, value));
  return `telemetry,elevator=${elevator} ${fields.join(',')} ${String(ts)}`;
}

async function write(batch: string[]): Promise<void> {
  const response = await fetch(`${influxUrl}/write?db=${db}&precision=ms`, { method: 'POST', body: batch.join('\n') });
  if (!response.ok)
    process.stderr.write(`naive bridge: InfluxDB answered ${response.status}: ${await response.text()}\n`);
}

/** Writes the held lines unless a write is under way (its end flushes again). */
function flush(): void {
  if (writing || lines.length === 0) return;
  const batch = lines.slice(0, batchSize);
  lines = lines.slice(batch.length);
  writing = write(batch)
    .catch((error: unknown) => {
      process.stderr.write(`naive bridge: write failed: ${(error as Error).message}\n`);
    })
    .finally(() => {
      writing = null;
      if (lines.length >= batchSize) flush();
    });
}

const client = mqtt.connect(mqttUrl, { clientId: 'naive-bridge', protocolVersion: 4, reconnectPeriod: 0 });
client.on('message', (topic, payload) => {
  lines.push(toLine(topic, payload));
  if (lines.length >= batchSize) flush();
});
client.on('error', (error) => process.stderr.write(`naive bridge: ${error.message}\n`));
client.once('connect', () => {
  client.subscribe(TOPIC_FILTER, { qos: 1 }, (error) => {
    if (error) throw error;
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  });
});
setInterval(flush, Number(intervalText));

process.once('SIGTERM', async () => {
  client.end(true);
  while (writing || lines.length > 0) {
    flush();
    await writing;
  }
  process.exit(0);
});
