import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EmbeddedInflux, influxdConfig, readCredentials, type EmbeddedInfluxOptions } from '../../influx/embedded.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { LiftwatchError } from '../../lib/errors.js';
import { tempDir } from '../helpers/fixtures.js';
import { listeningAddresses } from '../helpers/influx.js';
import { freePort } from '../../lib/net.js';

const logger = pino({ level: 'silent' });
const isRunning = (pid: number) =>
  fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

async function embedded(dir = tempDir(), options: Partial<EmbeddedInfluxOptions> = {}) {
  return new EmbeddedInflux({ dir, port: await freePort(), binary: 'influxd', logger, ...options });
}

describe('local influxd', () => {
  it('writes a config with loopback listeners, authentication, no reporting and no series limits', () => {
    const config = influxdConfig('/data/influxdb', 8086);
    expect(config).toContain('auth-enabled = true');
    expect(config).toContain('reporting-disabled = true');
    expect(config).toContain('bind-address = "127.0.0.1:0"');
    expect(config).toContain('bind-address = "127.0.0.1:8086"');
    expect(config).toContain('max-values-per-tag = 0');
    expect(config).toContain('max-series-per-database = 0');
    expect(config).toContain('store-enabled = false');
    expect(config).toContain('dir = "/data/influxdb/data"');
    expect(config).toContain('cache-snapshot-memory-size = 8388608');
  });

  it('takes [data] settings over its own, each once', () => {
    const config = influxdConfig('/data/influxdb', 8086, {
      'cache-snapshot-memory-size': 268435456,
      'index-version': 'inmem',
      'tsm-use-madv-willneed': true,
    });
    expect(config).toContain('  cache-snapshot-memory-size = 268435456\n');
    expect(config).toContain('  tsm-use-madv-willneed = true\n');
    expect(config.match(/index-version = .*/g)).toEqual(['index-version = "inmem"']);
  });

  it('starts, answers on its port, keeps data under its directory and stops without leaving a process', async () => {
    const dir = tempDir();
    const influx = await embedded(dir);
    await influx.start();
    const pid = influx.pid as number;
    expect(isRunning(pid)).toBe(true);
    const store = new InfluxHttpStore({ url: influx.url, db: 'check', ...influx.credentials });
    await store.ensureDatabase();
    const [databases] = await store.query('SHOW DATABASES');
    expect(databases?.rows.map((row) => row.name)).toEqual(['check']);
    expect(fs.existsSync(path.join(dir, 'meta', 'meta.db'))).toBe(true);
    await influx.stop();
    expect(isRunning(pid)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'influxd.pid'))).toBe(false);
  });

  it('listens on 127.0.0.1 only, refuses requests without credentials, and keeps its own in a 0600 file', async () => {
    const dir = tempDir();
    const influx = await embedded(dir);
    await influx.start();
    try {
      const url = new URL(influx.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect(listeningAddresses(Number(url.port))).toEqual(['127.0.0.1']);
      const file = path.join(dir, 'password');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const password = fs.readFileSync(file, 'utf8').trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(influx.credentials).toEqual({ user: 'liftwatch', password });
      expect(readCredentials(dir)).toEqual(influx.credentials);

      const anonymous = new InfluxHttpStore({ url: influx.url, db: 'check' });
      await expect(anonymous.query('SHOW DATABASES')).rejects.toThrow(/401/);
      await expect(anonymous.write(['m v=1i 1'])).rejects.toMatchObject({ status: 401 });
      const guessed = new InfluxHttpStore({ url: influx.url, db: 'check', user: 'liftwatch', password: 'liftwatch' });
      await expect(guessed.query('SHOW DATABASES')).rejects.toThrow(/401/);
      for (const statement of ['CREATE USER "x" WITH PASSWORD \'x\' WITH ALL PRIVILEGES', 'DROP DATABASE check']) {
        const response = await fetch(`${influx.url}/query`, {
          method: 'POST',
          body: new URLSearchParams({ q: statement }),
        });
        expect(response.status, statement).toBe(401);
      }

      const store = new InfluxHttpStore({ url: influx.url, db: 'check', ...influx.credentials });
      await store.ensureDatabase();
      await store.write(['m v=1i 1']);
      expect((await store.query('SELECT v FROM m'))[0]?.rows).toEqual([{ time: 1, v: 1 }]);
      const [users] = await store.query('SHOW USERS');
      expect(users?.rows).toEqual([{ user: 'liftwatch', admin: true }]);
    } finally {
      await influx.stop();
    }

    const again = await embedded(dir);
    await again.start();
    try {
      expect(again.credentials).toEqual(influx.credentials);
      const store = new InfluxHttpStore({ url: again.url, db: 'check', ...again.credentials });
      expect((await store.query('SELECT v FROM m'))[0]?.rows).toEqual([{ time: 1, v: 1 }]);
    } finally {
      await again.stop();
    }
  });

  it('locks a data directory an earlier version left open (no users, no password), keeping its data', async () => {
    const dir = tempDir();
    const earlier = await embedded(dir, { auth: false });
    await earlier.start();
    try {
      const open = new InfluxHttpStore({ url: earlier.url, db: 'kept' });
      await open.ensureDatabase();
      await open.write(['m v=7i 7']);
    } finally {
      await earlier.stop();
    }
    expect(fs.existsSync(path.join(dir, 'password'))).toBe(false);

    const influx = await embedded(dir);
    await influx.start();
    try {
      const store = new InfluxHttpStore({ url: influx.url, db: 'kept', ...influx.credentials });
      expect((await store.query('SELECT v FROM m'))[0]?.rows).toEqual([{ time: 7, v: 7 }]);
      await expect(new InfluxHttpStore({ url: influx.url, db: 'kept' }).query('SELECT v FROM m')).rejects.toThrow(
        /401/,
      );
    } finally {
      await influx.stop();
    }
  });

  it('refuses to run an influxd whose admin is not liftwatch (made by someone else first, or its password lost)', async () => {
    const dir = tempDir();
    const first = await embedded(dir);
    await first.start();
    await first.stop();
    fs.writeFileSync(path.join(dir, 'password'), 'not-the-password-influxd-has\n', { mode: 0o600 });

    const influx = await embedded(dir);
    const error = await influx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiftwatchError);
    expect((error as LiftwatchError).code).toBe('LW_ERR_INFLUXD_START');
    expect((error as Error).message).toMatch(/password/);
    expect(influx.pid).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'influxd.pid'))).toBe(false);
  });

  it('runs influxd, every thread of it, at the niceness asked, and still stops it', async () => {
    const niceness = 7;
    const influx = await embedded(tempDir(), { niceness });
    await influx.start();
    const pid = influx.pid as number;
    try {
      expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('influxd');
      const threads = fs.readdirSync(`/proc/${pid}/task`);
      expect(threads.length).toBeGreaterThan(1);
      // The fields after the command's closing parenthesis start at field 3; nice is field 19.
      const nicenessOf = (tid: string) =>
        Number(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19 - 3]);
      expect(threads.map(nicenessOf)).toEqual(threads.map(() => niceness));
      // Its session is a scheduling group of its own (autogroup), niced as a whole where Linux has them.
      if (fs.existsSync('/proc/self/autogroup')) {
        expect(fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(new RegExp(`nice ${niceness}$`, 'm'));
        expect(fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8')).not.toBe(
          fs.readFileSync('/proc/self/autogroup', 'utf8'),
        );
      }
    } finally {
      await influx.stop();
    }
    expect(isRunning(pid)).toBe(false);
  });

  it('accepts more than 100,000 distinct elevator ids (the default limit is lifted)', async () => {
    const influx = await embedded();
    await influx.start();
    try {
      const store = new InfluxHttpStore({ url: influx.url, db: 'many', ...influx.credentials });
      await store.ensureDatabase();
      const ids = 100_001;
      const batch = 20_000;
      for (let start = 0; start < ids; start += batch) {
        const lines = Array.from({ length: Math.min(batch, ids - start) }, (_, i) => `t,elevator=E${start + i} v=1i 1`);
        await store.write(lines);
      }
      const [result] = await store.query('SHOW TAG VALUES EXACT CARDINALITY WITH KEY = "elevator"');
      expect(result?.rows[0]?.count).toBe(ids);
    } finally {
      await influx.stop();
    }
  });

  it('restarts influxd when it dies', async () => {
    const influx = await embedded();
    await influx.start();
    try {
      const firstPid = influx.pid as number;
      execFileSync('kill', ['-9', String(firstPid)]);
      const store = new InfluxHttpStore({ url: influx.url, db: 'x', timeoutMs: 1000, ...influx.credentials });
      await expect.poll(() => influx.pid !== firstPid && influx.state === 'running', { timeout: 20_000 }).toBe(true);
      expect(await store.ping()).toMatch(/^1\./);
      await store.ensureDatabase();
    } finally {
      await influx.stop();
    }
  });

  it('names apt-get install influxdb and INFLUX_URL when influxd is not installed', async () => {
    const influx = new EmbeddedInflux({
      dir: tempDir(),
      port: 1,
      binary: '/nonexistent/influxd',
      logger,
    });
    const error = await influx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiftwatchError);
    expect((error as LiftwatchError).code).toBe('LW_ERR_INFLUXD_MISSING');
    expect((error as Error).message).toMatch(/apt-get install -y influxdb/);
    expect((error as Error).message).toMatch(/INFLUX_URL/);
  });

  it('explains a port already taken, with the end of the influxd log', async () => {
    const busy = await embedded();
    await busy.start();
    try {
      const port = Number(new URL(busy.url).port);
      const clash = new EmbeddedInflux({ dir: tempDir(), port, binary: 'influxd', logger });
      const error = await clash.start().catch((e: unknown) => e);
      expect((error as LiftwatchError).code).toBe('LW_ERR_INFLUXD_START');
      expect((error as Error).message).toMatch(/address already in use|LW_INFLUX_PORT/);
    } finally {
      await busy.stop();
    }
  });
});
