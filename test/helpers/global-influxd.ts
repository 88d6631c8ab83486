import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { EmbeddedInflux } from '../../influx/embedded.js';
import { freePort } from '../../lib/net.js';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

/** One real influxd for the whole suite, throwaway data directory; each test file uses its own database. */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-test-influxd-'));
  const influx = new EmbeddedInflux({
    dir,
    port: await freePort(),
    // The tests' own: each test reaches it without credentials. `liftwatch start`'s has them.
    auth: false,
    binary: 'influxd',
    logger: pino({ level: 'warn' }),
  });
  await influx.start();
  project.provide('influxUrl', influx.url);
  return async () => {
    await influx.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
