import { spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { LIFTWATCH_BIN, NODE_FLAGS } from '../../cli/node-flags.js';
import { waitForOutput } from './cli.js';

const STOP_GRACE_MS = 15_000;
const CTRL_C = '\u0003';

export interface TerminalRun {
  /** What the terminal showed: stdout and stderr together, as a person sees them. */
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Ctrl-C at the terminal (SIGKILL if it does not stop in time); resolves with the exit code. */
  stop(): Promise<number | null>;
}

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Runs `liftwatch <args>` on a terminal of its own (a pseudo-terminal from util-linux `script`),
 * as a person at a terminal would, with only the given environment on top of PATH and HOME.
 * Stopped with Ctrl-C when the test ends.
 */
export function inTerminal(args: string[], env: Record<string, string> = {}): TerminalRun {
  // exec: the shell `script` starts is replaced, so Ctrl-C reaches liftwatch alone and its exit code comes back.
  const command = `exec ${[process.execPath, ...NODE_FLAGS, LIFTWATCH_BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    child.stdin.write(CTRL_C);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };
  onTestFinished(async () => void (await stop()));
  return {
    output: () => out,
    stop,
    waitFor: (pattern, timeoutMs) =>
      waitForOutput(
        () => out,
        exit,
        pattern,
        timeoutMs,
        () => `terminal:\n${out}`,
      ),
  };
}
