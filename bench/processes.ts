/**
 * Other processes, measured and stopped from the outside: CPU and RSS from /proc, and stopping
 * with SIGTERM then SIGKILL, so a benchmark leaves nothing running even when it fails.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSecondsOf } from './measure.js';

const KIB_PER_MB = 1024;
/** Clock ticks per second of /proc/<pid>/stat on Linux. */
const CLOCK_TICKS = 100;
/** stime's place among the fields after the command name in /proc/<pid>/stat (proc(5)). */
const STIME_FIELD = 12;
const RSS_SAMPLE_MS = 200;
/** How long a child may take to stop on SIGTERM (liftwatch flushes its ingest) before SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;
const LISTEN_POLL_MS = 100;
/** A broker or influxd not listening within this long has failed to start. */
const LISTEN_TIMEOUT_MS = 60_000;

/** Resident memory of a process now, in MB (VmRSS of /proc/<pid>/status). */
export function rssMbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round((Number(match?.[1] ?? 0) / KIB_PER_MB) * 10) / 10;
}

/** CPU seconds a process has spent in the kernel (system calls: socket writes, fsync). */
function kernelSecondsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[STIME_FIELD]) / CLOCK_TICKS;
}

export interface ProcessUsage {
  readonly cpuSeconds: number;
  /** The part of cpuSeconds spent in the kernel. */
  readonly kernelCpuSeconds: number;
  readonly peakRssMb: number;
}

/**
 * Samples processes' CPU and RSS until `stop()`, which returns each one's CPU seconds since the
 * start and its peak RSS. A process that died meanwhile keeps its last sample: the benchmark
 * sees its failure in what was (not) stored, rather than in an unreadable /proc file.
 */
export function sampleProcesses(pids: Record<string, number>) {
  const names = Object.keys(pids);
  const read = (name: string) => {
    const pid = pids[name] as number;
    return { cpu: cpuSecondsOf(pid), kernel: kernelSecondsOf(pid), rss: rssMbOf(pid) };
  };
  const first = Object.fromEntries(names.map((name) => [name, read(name)]));
  const last = { ...first };
  const peaks: Record<string, number> = Object.fromEntries(names.map((name) => [name, first[name]?.rss ?? 0]));
  const sample = () => {
    for (const name of names) {
      try {
        last[name] = read(name);
        peaks[name] = Math.max(peaks[name] ?? 0, last[name].rss);
      } catch {
        continue;
      }
    }
  };
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  return {
    stop(): Record<string, ProcessUsage> {
      clearInterval(timer);
      sample();
      return Object.fromEntries(
        names.map((name) => [
          name,
          {
            cpuSeconds: Math.round(((last[name]?.cpu ?? 0) - (first[name]?.cpu ?? 0)) * 100) / 100,
            kernelCpuSeconds: Math.round(((last[name]?.kernel ?? 0) - (first[name]?.kernel ?? 0)) * 100) / 100,
            peakRssMb: peaks[name] ?? 0,
          },
        ]),
      );
    },
  };
}

/** A child process that `stop()` ends (SIGTERM, then SIGKILL), whatever state it is in. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

export function startChild(command: string, args: readonly string[], options: SpawnOptions): Child {
  const child = spawn(command, args, options);
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  return {
    process: child,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timeout = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Resolves with the first stdout line of `child` that `match` accepts; rejects when it exits first. */
export function waitForLine<T>(child: Child, match: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const found = match(line);
        if (found !== undefined) {
          child.process.stdout?.off('data', onData);
          child.process.off('exit', onExit);
          return resolve(found);
        }
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`process ${child.pid} exited (${code}) before it was ready`));
    child.process.stdout?.on('data', onData);
    child.process.once('exit', onExit);
  });
}

/** Waits until something accepts TCP connections on loopback `port`. */
export async function waitForListener(port: number): Promise<void> {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${LISTEN_TIMEOUT_MS} ms`);
    await sleep(LISTEN_POLL_MS);
  }
}
