import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { LIFTWATCH_BIN } from '../../cli/node-flags.js';

const STOP_GRACE_MS = 15_000;

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match, rejects when the process ends first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
  /** SIGTERM, then SIGKILL if it does not stop in time; resolves with the exit code. */
  stop(): Promise<number | null>;
}

async function stopCli(child: ChildProcess, exit: Promise<number | null>): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  const code = await exit;
  clearTimeout(timer);
  return code;
}

/**
 * Resolves with the first match of `pattern` in what `read` gives, polled; rejects when the
 * process exits first or the time is up, with `shown()` (what it printed) in the error.
 */
export function waitForOutput(
  read: () => string,
  exit: Promise<number | null>,
  pattern: RegExp,
  timeoutMs = 30_000,
  shown: () => string = read,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearInterval(timer);
      clearTimeout(deadline);
    };
    const check = () => {
      const match = pattern.exec(read());
      if (match) {
        settle();
        resolve(match);
      }
    };
    const timer = setInterval(check, 50);
    const deadline = setTimeout(() => {
      settle();
      reject(new Error(`no ${pattern} in time.\n${shown()}`));
    }, timeoutMs);
    void exit.then((code) => {
      check();
      settle();
      reject(new Error(`exited (${code}) before ${pattern}.\n${shown()}`));
    });
  });
}

/**
 * Runs `liftwatch <args>` as a user would, with only the given environment on top of PATH and
 * HOME. Inside a test it is stopped when the test ends; from a hook (`inTest: false`) the hook stops it.
 */
export function runCli(args: string[], env: Record<string, string> = {}, { inTest = true } = {}): CliRun {
  const child = spawn(process.execPath, [LIFTWATCH_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LW_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A test that fails half-way still stops liftwatch the way a user would, so its influxd goes too.
  if (inTest) onTestFinished(async () => void (await stopCli(child, exit)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    stop: () => stopCli(child, exit),
    waitFor: (pattern, timeoutMs) =>
      waitForOutput(
        () => out,
        exit,
        pattern,
        timeoutMs,
        () => `stdout:\n${out}\nstderr:\n${err}`,
      ),
  };
}
