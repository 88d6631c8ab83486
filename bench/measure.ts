import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat on Linux. */
const CLOCK_TICKS = 100;
const RSS_SAMPLE_MS = 200;
const MB = 1024 * 1024;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The machine's CPU time so far, all cores, in clock ticks: busy (not idle, not waiting for I/O) and in all. */
export function machineCpuTicks(): { busy: number; total: number } {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Measures this process while `work` runs: wall seconds, CPU seconds, peak RSS in MB. */
export async function measure<T>(work: () => Promise<T>) {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), RSS_SAMPLE_MS);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = await work();
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  return { result, wallSeconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: Math.round(peakRss / MB) };
}

export interface Sink {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the bare broker of bench/sink-broker.ts in its own process. */
export async function startSink(): Promise<Sink> {
  const script = path.join(import.meta.dirname, 'sink-broker.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the sink broker exited with ${code}`)));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
