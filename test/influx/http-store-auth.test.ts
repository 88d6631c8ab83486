import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { tempDir } from '../helpers/fixtures.js';
import { freePort } from '../../lib/net.js';

/** An influxd with authentication on, as INFLUX_URL servers in production are. */
async function influxdWithAuth(): Promise<string> {
  const dir = tempDir();
  const port = await freePort();
  const config = path.join(dir, 'influxdb.conf');
  fs.writeFileSync(
    config,
    [
      'reporting-disabled = true',
      'bind-address = "127.0.0.1:0"',
      `[meta]\n  dir = "${dir}/meta"`,
      `[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"`,
      `[http]\n  bind-address = "127.0.0.1:${port}"\n  auth-enabled = true\n  log-enabled = false`,
    ].join('\n'),
  );
  const child = spawn('influxd', ['-config', config], { stdio: 'ignore' });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  // The first admin user may be created without credentials, once influxd answers. Under load it
  // may answer /ping before it takes the statement: retry until the user exists.
  const create = new URLSearchParams({ q: "CREATE USER lw WITH PASSWORD 's3cret' WITH ALL PRIVILEGES" });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const created = await fetch(`${url}/query?${create}`, { method: 'POST' }).then(
      async (response) => response.ok && !JSON.stringify(await response.json()).includes('"error"'),
      () => false,
    );
    if (created) break;
    if (Date.now() > deadline) throw new Error('influxd with auth did not take its first user in 20 s');
    await sleep(100);
  }
  return url;
}

describe('InfluxDB 1.x HTTP store with INFLUX_USER and INFLUX_PASSWORD', () => {
  it('writes and queries with the credentials, and is refused without them', async () => {
    const url = await influxdWithAuth();
    const store = new InfluxHttpStore({ url, db: 'secured', user: 'lw', password: 's3cret' });
    await store.ensureDatabase();
    await store.write(['m v=1i 1']);
    expect((await store.query('SELECT v FROM m'))[0]?.rows).toEqual([{ time: 1, v: 1 }]);

    const anonymous = new InfluxHttpStore({ url, db: 'secured' });
    await expect(anonymous.write(['m v=2i 2'])).rejects.toMatchObject({ status: 401, retryable: true });
    await expect(anonymous.query('SELECT v FROM m')).rejects.toThrow(/401|authorization/i);
  });
});
