import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { registration, tempDir } from '../helpers/fixtures.js';
import { localInfluxRows } from '../helpers/influx.js';
import { freePort } from '../../lib/net.js';

const run = promisify(execFile);

async function freshEnvironment() {
  return {
    LW_DATA_DIR: tempDir(),
    LW_MQTT_PORT: String(await freePort()),
    LW_MQTT_WS_PORT: String(await freePort()),
    LW_HTTP_PORT: String(await freePort()),
    LW_INFLUX_PORT: String(await freePort()),
  };
}

const isRunning = (pid: number) => {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

/** Publishes one fault as an elevator controller would, with Debian's mosquitto_pub (MQTT 3.1.1, QoS 1). */
function mosquittoPub(port: string, id: string, token: string, message: string) {
  const credentials = ['-u', id, '-P', token, '-i', id];
  return run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    port,
    ...credentials,
    '-q',
    '1',
    '-t',
    `elevators/${id}/faults`,
    '-m',
    message,
  ]);
}

describe('liftwatch CLI', () => {
  it.each(['start', 'broker', 'ingest', 'api', 'rules', 'simulate', 'replay', 'score', 'bench'])(
    'explains `%s --help`',
    async (command) => {
      const cli = runCli([command, '--help']);
      expect(await cli.exited()).toBe(0);
      expect(cli.stdout()).toMatch(new RegExp(`^Usage: liftwatch ${command}`));
      expect(cli.stdout()).toMatch(/LW_DATA_DIR/);
    },
  );

  it('is on the path of npx through the package bin entry', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const { stdout } = await run('npx', ['--no-install', 'liftwatch', 'simulate', '--help'], { cwd: root });
    expect(stdout).toMatch(/^Usage: liftwatch simulate/);
  });

  it('lists its commands and refuses an unknown one with exit code 2', async () => {
    const help = runCli(['--help']);
    expect(await help.exited()).toBe(0);
    expect(help.stdout()).toMatch(/start .*\n.*broker/);
    const unknown = runCli(['fly']);
    expect(await unknown.exited()).toBe(2);
    expect(unknown.stderr()).toMatch(/unknown command "fly"/);
  });

  it('runs benchmarks by name and refuses an unknown one or a bad flag value with exit code 2', async () => {
    const unknown = runCli(['bench', 'teleport']);
    expect(await unknown.exited()).toBe(2);
    expect(unknown.stderr()).toMatch(/unknown benchmark teleport; there are: .*pipeline-throughput/);
    const badFlag = runCli(['bench', 'rules', '--elevators', 'many']);
    expect(await badFlag.exited()).toBe(2);
    expect(badFlag.stderr()).toMatch(/--elevators must be a positive number, not many/);
  });

  it('stops with exit code 2 and names the variable when a setting is bad', async () => {
    const cli = runCli(['start'], { LW_DATA_DIR: tempDir(), LW_HTTP_PORT: 'eighty' });
    expect(await cli.exited()).toBe(2);
    expect(cli.stderr()).toMatch(/LW_HTTP_PORT="eighty" is not valid: expected a port number from 0 to 65535/);
  });

  it('says how to install influxd when it is missing', async () => {
    const cli = runCli(['start'], { ...(await freshEnvironment()), LW_INFLUXD_BIN: '/nonexistent/influxd' });
    expect(await cli.exited()).toBe(1);
    expect(cli.stderr()).toMatch(/apt-get install -y influxdb/);
    expect(cli.stderr()).toMatch(/INFLUX_URL/);
  });

  it('runs as a new user would: start, register with HTTP, publish with mosquitto_pub, read with InfluxQL, stop', async () => {
    const env = await freshEnvironment();
    const start = runCli(['start'], env);
    await start.waitFor(/Stop with Ctrl-C/, 60_000);
    const [, adminKey] = (await start.waitFor(/Admin key {3}(\S+) {2}\(generated now/)) as unknown as [string, string];
    const influxdPid = Number(fs.readFileSync(path.join(env.LW_DATA_DIR, 'influxdb', 'influxd.pid'), 'utf8'));
    expect(isRunning(influxdPid)).toBe(true);

    const registered = await fetch(`http://127.0.0.1:${env.LW_HTTP_PORT}/api/elevators`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(registration('CLI-1')),
    });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };

    const fault = JSON.stringify({ ts: '2026-11-25T09:00:00+08:00', seq: 1, code: 93, floor: 4 });
    await mosquittoPub(env.LW_MQTT_PORT, 'CLI-1', token, fault);
    await expect
      .poll(() => localInfluxRows(env, 'SELECT * FROM faults'), { timeout: 10_000 })
      .toEqual([expect.objectContaining({ elevator: 'CLI-1', code: '93', severity: 'critical', floor: 4, seq: 1 })]);

    const refused = await mosquittoPub(env.LW_MQTT_PORT, 'CLI-1', 'wrong', fault).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((refused as { stderr: string }).stderr).toMatch(/not authori[sz]ed|bad user name or password/i);

    start.child.kill('SIGTERM');
    expect(await start.exited()).toBe(0);
    expect(start.stdout()).toMatch(/stopped/);
    expect(isRunning(influxdPid)).toBe(false);
  });

  it("keeps its data directory to its own user: what it creates is 0700/0600, an earlier version's is tightened", async () => {
    const env = await freshEnvironment();
    const dir = env.LW_DATA_DIR;
    // As an earlier version left it, under the usual umask 022.
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'admin-token'), 'an-admin-key-of-an-earlier-version\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'liftwatch.sqlite'), '', { mode: 0o644 });
    for (const sub of ['spool', 'influxdb']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
    fs.chmodSync(path.join(dir, 'admin-token'), 0o644);
    const start = runCli(['start'], env);
    await start.waitFor(/Stop with Ctrl-C/, 60_000);
    const registered = await fetch(`http://127.0.0.1:${env.LW_HTTP_PORT}/api/elevators`, {
      method: 'POST',
      headers: { authorization: 'Bearer an-admin-key-of-an-earlier-version', 'content-type': 'application/json' },
      body: JSON.stringify(registration('CLI-MODES')),
    });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };
    await mosquittoPub(
      env.LW_MQTT_PORT,
      'CLI-MODES',
      token,
      JSON.stringify({ ts: Date.now(), seq: 1, code: 6, floor: 1 }),
    );
    await expect.poll(() => localInfluxRows(env, 'SELECT * FROM faults'), { timeout: 10_000 }).toHaveLength(1);

    const open: string[] = [];
    const walk = (at: string): number => {
      const stat = fs.lstatSync(at);
      if ((stat.mode & 0o077) !== 0) open.push(`${path.relative(dir, at) || '.'} ${(stat.mode & 0o777).toString(8)}`);
      if (!stat.isDirectory()) return 1;
      return 1 + fs.readdirSync(at).reduce((sum, name) => sum + walk(path.join(at, name)), 0);
    };
    // The store, its WAL, the spool, influxd's data, wal and meta: well more than a handful.
    expect(walk(dir)).toBeGreaterThan(10);
    expect(open).toEqual([]);
    start.child.kill('SIGTERM');
    expect(await start.exited()).toBe(0);
  });

  it('stops the influxd a liftwatch killed with SIGKILL left behind, at the next start', async () => {
    const env = await freshEnvironment();
    const pidFile = path.join(env.LW_DATA_DIR, 'influxdb', 'influxd.pid');
    const first = runCli(['start'], env);
    await first.waitFor(/Stop with Ctrl-C/, 60_000);
    const orphan = Number(fs.readFileSync(pidFile, 'utf8'));
    first.child.kill('SIGKILL');
    await first.exited();
    expect(isRunning(orphan)).toBe(true);

    const second = runCli(['start'], env);
    await second.waitFor(/Stop with Ctrl-C/, 60_000);
    expect(isRunning(orphan)).toBe(false);
    const successor = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(successor).not.toBe(orphan);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
    expect(isRunning(successor)).toBe(false);
  });

  it('runs the demo fleet through the real path', async () => {
    const env = await freshEnvironment();
    const demo = ['--demo', '--demo-elevators', '3', '--demo-days', '1', '--progress-every', '1s'];
    const start = runCli(['start', ...demo], env);
    await start.waitFor(/demo: 3\/3 elevators connected, \d+ messages published, [1-9]\d* points stored/, 60_000);
    await expect
      .poll(async () =>
        (await localInfluxRows(env, 'SHOW TAG VALUES FROM online WITH KEY = "elevator"')).map((r) => r.value),
      )
      .toEqual(['SIM-000001', 'SIM-000002', 'SIM-000003']);
    start.child.kill('SIGINT');
    expect(await start.exited()).toBe(0);
  });

  it('runs as three processes: broker, ingest (with the local influxd) and api on one data directory', async () => {
    const env = await freshEnvironment();
    const broker = runCli(['broker'], env);
    await broker.waitFor(/liftwatch broker on/);
    const ingest = runCli(['ingest'], env);
    await ingest.waitFor(/liftwatch ingest: reading/, 60_000);
    const api = runCli(['api'], env);
    await api.waitFor(/liftwatch api on/);
    const adminKey = fs.readFileSync(path.join(env.LW_DATA_DIR, 'admin-token'), 'utf8').trim();

    const registered = await fetch(`http://127.0.0.1:${env.LW_HTTP_PORT}/api/elevators`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(registration('SPLIT-CLI')),
    });
    const { token } = (await registered.json()) as { token: string };
    const fault = JSON.stringify({ ts: 1_764_000_000_000, seq: 3, code: 6, floor: 2 });
    await mosquittoPub(env.LW_MQTT_PORT, 'SPLIT-CLI', token, fault);
    await expect
      .poll(() => localInfluxRows(env, 'SELECT elevator, seq FROM faults'), { timeout: 10_000 })
      .toEqual([{ time: 1_764_000_000_000, elevator: 'SPLIT-CLI', seq: 3 }]);
    const health = await fetch(`http://127.0.0.1:${env.LW_HTTP_PORT}/api/health`);
    expect(health.status).toBe(200);

    for (const part of [api, ingest, broker]) part.child.kill('SIGTERM');
    expect(await Promise.all([api.exited(), ingest.exited(), broker.exited()])).toEqual([0, 0, 0]);
  });
});
