/**
 * connections (issue 9): how many concurrent elevator connections one liftwatch process holds
 * (`liftwatch start`: broker with in-process ingest), each authenticated with its own token and
 * announcing itself online, its memory per connection (RSS growth after a full GC, over the
 * connections held) and connect rate; Debian's Mosquitto (anonymous) in the same run as the baseline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifySecret, hashSecret } from '../store/credentials.js';
import { freePort } from '../lib/net.js';
import { numberFlag, type BenchFlags } from './args.js';
import { openInspector, type Inspector } from './inspector.js';
import { rssMbOf, sampleProcesses, startChild, waitForLine, type Child } from './processes.js';
import type { BenchResult } from './registry.js';
import { registerElevators, requireMosquitto, startLiftwatch, startMosquitto } from './systems.js';

/** Above the 15,000 target, below the 19k sockets the 20,000-file limit leaves one broker process. */
const DEFAULT_CONNECTIONS = 18_000;
/** Issue 9's targets: connections one broker process holds, and KB each. */
const TARGET = { connections: 15_000, kbPerConnection: 15 } as const;
/** Sockets per client process: far under its 20,000-file limit. */
const SOCKETS_PER_CLIENT_PROCESS = 5000;
/** Connections each client process opens at once: enough to keep the broker's token checks queued. */
const CLIENT_CONCURRENCY = 50;
/** After a GC (or for Mosquitto, after connecting), let freed pages and timers settle before reading RSS. */
const SETTLE_MS = 3000;
/** Token checks timed here to show what one costs the broker. */
const SCRYPT_SAMPLES = 100;
const KB_PER_MB = 1024;
const CLIENT_SCRIPT = path.join(import.meta.dirname, 'connection-clients.ts');

interface ClientReport {
  readonly connected: number;
  readonly failed: number;
  readonly errors: string[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

interface Broker {
  readonly name: string;
  readonly child: Child;
  readonly port: number;
  /** A GC of the broker's heap (liftwatch, via the inspector); none for Mosquitto. */
  readonly inspector: Inspector | null;
  /** The broker's own count of connected clients, where it publishes one. */
  readonly clients: () => Promise<number | null>;
}

/** RSS once the broker's heap is collected and settled. */
async function settledRss(broker: Broker): Promise<{ rssMb: number; heapMb: number | null }> {
  await broker.inspector?.collectGarbage();
  await sleep(SETTLE_MS);
  return { rssMb: rssMbOf(broker.child.pid), heapMb: (await broker.inspector?.heapUsedMb()) ?? null };
}

/** Opens `count` connections from client processes; resolves when each has reported, with them still open. */
async function openConnections(port: number, tokensFile: string, count: number) {
  const children: Child[] = [];
  try {
    for (let first = 0; first < count; first += SOCKETS_PER_CLIENT_PROCESS) {
      const share = Math.min(SOCKETS_PER_CLIENT_PROCESS, count - first);
      const args = [CLIENT_SCRIPT, String(port), tokensFile, String(first), String(share), String(CLIENT_CONCURRENCY)];
      children.push(
        startChild(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }),
      );
    }
    const reports = await Promise.all(
      children.map((child) =>
        waitForLine(child, (line) => (line.startsWith('{') ? (JSON.parse(line) as ClientReport) : undefined)),
      ),
    );
    return { children, reports };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
}

async function measureBroker(broker: Broker, tokensFile: string, count: number) {
  const before = await settledRss(broker);
  const sampler = sampleProcesses({ broker: broker.child.pid });
  const { children, reports } = await openConnections(broker.port, tokensFile, count);
  try {
    const cpuSeconds = sampler.stop().broker?.cpuSeconds ?? 0;
    const held = reports.reduce((sum, report) => sum + report.connected, 0);
    const seconds =
      (Math.max(...reports.map((r) => r.finishedAt)) - Math.min(...reports.map((r) => r.startedAt))) / 1000;
    const after = await settledRss(broker);
    const brokerCount = await broker.clients();
    const perConnectionKb = (mb: number) => (held === 0 ? null : Math.round(((mb * KB_PER_MB) / held) * 10) / 10);
    return {
      system: broker.name,
      asked: count,
      held,
      failed: reports.reduce((sum, report) => sum + report.failed, 0),
      brokerCounts: brokerCount,
      connectSeconds: Math.round(seconds * 10) / 10,
      connectsPerSecond: Math.round(held / seconds),
      brokerCpuMicrosPerConnect: held === 0 ? null : Math.round((cpuSeconds / held) * 1e6),
      rssBeforeMb: before.rssMb,
      rssAfterMb: after.rssMb,
      kbPerConnection: perConnectionKb(after.rssMb - before.rssMb),
      jsHeapKbPerConnection:
        before.heapMb === null || after.heapMb === null ? null : perConnectionKb(after.heapMb - before.heapMb),
      /** The machine's 1-minute load average once connected: above its 2 cores, other work took CPU from the run. */
      loadAverage: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
      errors: reports.flatMap((report) => report.errors),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

/** What one token check costs: scrypt as the broker runs it, one at a time. */
async function scryptMillis(): Promise<number> {
  const hash = await hashSecret('bench');
  const start = process.hrtime.bigint();
  for (let i = 0; i < SCRYPT_SAMPLES; i++) await verifySecret('bench', hash);
  return Math.round((Number(process.hrtime.bigint() - start) / 1e6 / SCRYPT_SAMPLES) * 100) / 100;
}

/** `lw_mqtt_clients` of liftwatch's /metrics. */
async function liftwatchClients(httpUrl: string): Promise<number | null> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const match = /^lw_mqtt_clients (\d+)/m.exec(text);
  return match ? Number(match[1]) : null;
}

async function withLiftwatch(dir: string, measure: (broker: Broker) => Promise<Row>): Promise<Row> {
  const inspectPort = await freePort();
  const liftwatch = await startLiftwatch(path.join(dir, 'liftwatch'), {}, [`--inspect=127.0.0.1:${inspectPort}`]);
  let inspector: Inspector | null = null;
  try {
    inspector = await openInspector(inspectPort);
    const port = Number(new URL(liftwatch.mqttUrl).port);
    return await measure({
      name: 'liftwatch',
      child: liftwatch,
      port,
      inspector,
      clients: () => liftwatchClients(liftwatch.httpUrl),
    });
  } finally {
    inspector?.close();
    await liftwatch.stop();
  }
}

async function withMosquitto(dir: string, measure: (broker: Broker) => Promise<Row>): Promise<Row> {
  const mosquitto = await startMosquitto(dir);
  try {
    const port = Number(new URL(mosquitto.mqttUrl).port);
    return await measure({
      name: 'mosquitto (anonymous)',
      child: mosquitto,
      port,
      inspector: null,
      clients: async () => null,
    });
  } finally {
    await mosquitto.stop();
  }
}

type Row = Awaited<ReturnType<typeof measureBroker>>;

export async function connectionsBenchmark(flags: BenchFlags): Promise<BenchResult> {
  requireMosquitto();
  const count = numberFlag(flags, 'connections', DEFAULT_CONNECTIONS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-connections-'));
  try {
    process.stderr.write(`connections: registering ${count} elevators with their own tokens\n`);
    const tokens = await registerElevators(path.join(dir, 'liftwatch'), count);
    const tokensFile = path.join(dir, 'tokens.json');
    fs.writeFileSync(tokensFile, JSON.stringify(tokens), { mode: 0o600 });
    const scryptMs = await scryptMillis();
    process.stderr.write(`connections: ${count} to liftwatch\n`);
    const liftwatch = await withLiftwatch(dir, (broker) => measureBroker(broker, tokensFile, count));
    process.stderr.write(`connections: ${count} to mosquitto\n`);
    const mosquitto = await withMosquitto(dir, (broker) => measureBroker(broker, tokensFile, count));
    const rows = [liftwatch, mosquitto].map(({ errors: _errors, ...row }) => row);
    const ratio = (a: number | null, b: number | null) =>
      a === null || b === null || b === 0 ? '-' : Math.round((a / b) * 100) / 100;
    return {
      rows,
      ratios: {
        [`liftwatch connections held (target >= ${TARGET.connections})`]: liftwatch.held,
        [`liftwatch KB per connection (target <= ${TARGET.kbPerConnection})`]: liftwatch.kbPerConnection ?? '-',
        'liftwatch / mosquitto, KB per connection': ratio(liftwatch.kbPerConnection, mosquitto.kbPerConnection),
        'liftwatch / mosquitto, connects per second': ratio(liftwatch.connectsPerSecond, mosquitto.connectsPerSecond),
        'scrypt token check, ms (one at a time, this process)': scryptMs,
      },
      detail: { errors: { liftwatch: liftwatch.errors, mosquitto: mosquitto.errors } },
      failed: liftwatch.failed > 0 || mosquitto.failed > 0,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
