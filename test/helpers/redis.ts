import { spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { freePort } from '../../lib/net.js';
import { tempDir } from './fixtures.js';

const READY = /Ready to accept connections/;
const START_TIMEOUT_MS = 10_000;

export interface RedisServer {
  readonly url: string;
  /** Stops it (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Debian's redis-server on a free loopback port, in a directory of its own, nothing saved to disk
 * (the tests restart brokers, never Redis); stopped when the test ends.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir('lw-redis-')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  onTestFinished(stop);

  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start in time:\n${output}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (READY.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited before it was ready:\n${output}`));
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop };
}
