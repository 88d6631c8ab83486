import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../simulators/trace.js';
import { readTruth } from '../../simulators/truth.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { localInfluxAuth } from '../helpers/influx.js';
import { freePort } from '../../lib/net.js';

/** The tester's commands (simulate, replay, score) against a running `liftwatch start`, as processes. */
let env: Record<string, string>;
let liftwatch: CliRun;
const dir = tempDir();

beforeAll(async () => {
  env = {
    LW_DATA_DIR: tempDir(),
    LW_MQTT_PORT: String(await freePort()),
    LW_MQTT_WS_PORT: String(await freePort()),
    LW_HTTP_PORT: String(await freePort()),
    LW_INFLUX_PORT: String(await freePort()),
  };
  liftwatch = runCli(['start'], env, { inTest: false });
  await liftwatch.waitFor(/Stop with Ctrl-C/, 60_000);
}, 90_000);
afterAll(() => liftwatch?.stop());

async function influx(query: string): Promise<unknown[][]> {
  const url = `http://127.0.0.1:${env.LW_INFLUX_PORT}/query?db=liftwatch&q=${encodeURIComponent(query)}`;
  const response = await fetch(url, { headers: localInfluxAuth(env.LW_DATA_DIR as string) });
  const body = (await response.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  return body.results[0]?.series?.flatMap((series) => series.values) ?? [];
}

/** Resolves once the file has stopped growing for a while: what was published has been recorded. */
async function settled(file: string, quietMs = 1000, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let size = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (now !== size) {
      size = now;
      since = Date.now();
    } else if (size > 0 && Date.now() - since >= quietMs) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function finish(cli: CliRun) {
  const code = await cli.exited();
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('liftwatch simulate', () => {
  it('runs a shipped scenario, prints a JSON summary and writes the ground truth', async () => {
    const truthFile = path.join(dir, 'truth.jsonl');
    const result = await finish(runCli(['simulate', '--scenario', 'smoke', '--truth', truthFile, '--json'], env));
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) as string);
    expect(summary).toMatchObject({ scenario: 'smoke', elevators: 5, errors: 0, truth: { degradation: 2 } });
    // A telemetry message a simulated minute, and one more at each change of mode.
    expect(summary.byKind.telemetry).toBeGreaterThanOrEqual(5 * 180);
    expect(readTruth(truthFile).filter((record) => record.category === 'degradation')).toHaveLength(2);
    await expect
      .poll(async () => (await influx('SELECT count(runs) FROM telemetry'))[0]?.[1])
      .toBe(summary.byKind.telemetry);
  });

  it('splits a fleet across processes with --shard, each elevator in exactly one', async () => {
    const common = ['--elevators', '4', '--prefix', 'SHARD', '--duration', '10m', '--speed', 'max'];
    const [one, two] = await Promise.all([
      finish(runCli(['simulate', ...common, '--shard', '1/2'], env)),
      finish(runCli(['simulate', ...common, '--shard', '2/2'], env)),
    ]);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(one.stdout).toMatch(/2 elevators/);
    const shown = 'SHOW TAG VALUES FROM online WITH KEY = "elevator" WHERE elevator =~ /^SHARD/';
    await expect
      .poll(async () => (await influx(shown)).map((row) => row[1]))
      .toEqual(['SHARD-000001', 'SHARD-000002', 'SHARD-000003', 'SHARD-000004']);
  });

  it.each([
    ['an unknown scenario field', ['--scenario', 'BAD_FILE'], 2, /fleet: Unrecognized key: "colour"/],
    ['a negative fleet size', ['--elevators=-3'], 2, /--elevators takes a whole number of at least 1/],
    ['a fleet too large', ['--elevators', '1000001'], 2, /fleet\.elevators: Too big/],
    [
      'an unknown scenario name',
      ['--scenario', 'no-such-thing'],
      2,
      /no shipped scenario of that name \(busy-residential, care-homes, changing-use, city-day, door-wear-week, heterogeneous-city, metro-malls, new-district, ninety-days, old-mixed-fleet, quiet-offices, rainy-coast, smoke, storm-season, summer-heat, two-makers, vandalised-estates, winter-hills\)/,
    ],
    ['a bad speed', ['--speed', 'fast'], 2, /--speed takes a positive number or max/],
  ])('refuses %s with a clear message and no stack trace', async (_case, args, code, message) => {
    const scenario = path.join(dir, 'bad.yaml');
    fs.writeFileSync(scenario, 'name: bad\nfleet:\n  elevators: 3\n  colour: red\n');
    const result = await finish(runCli(['simulate', ...args.map((arg) => (arg === 'BAD_FILE' ? scenario : arg))], env));
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says so when the broker cannot be reached', async () => {
    const result = await finish(
      runCli(['simulate', '--elevators', '1', '--prefix', 'UNREACH'], {
        ...env,
        LW_MQTT_URL: `mqtt://127.0.0.1:${await freePort()}`,
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the broker at mqtt:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says so when its credentials are wrong', async () => {
    const credentials = path.join(dir, 'stale.json');
    const setup = await finish(
      runCli(
        [
          'simulate',
          '--elevators',
          '1',
          '--prefix',
          'STALE',
          '--duration',
          '1m',
          '--speed',
          'max',
          '--credentials',
          credentials,
        ],
        env,
      ),
    );
    expect(setup.code).toBe(0);
    fs.writeFileSync(credentials, JSON.stringify({ 'STALE-000001': 'not-the-token' }));
    const result = await finish(
      runCli(['simulate', '--elevators', '1', '--prefix', 'STALE', '--credentials', credentials], env),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the broker refused STALE-000001 \(CONNACK 4\): its token is not valid/);
  });
});

describe('liftwatch replay and score', () => {
  it('records a run, plays it back and scores the truth against the tickets liftwatch opened', async () => {
    const trace = path.join(dir, 'trace.jsonl');
    const truth = path.join(dir, 'replay-truth.jsonl');
    // Stopped with Ctrl-C once the run is in, not after a fixed window a slow machine might miss.
    const recorder = runCli(['replay', 'record', '--out', trace, '--duration', '2m'], env);
    await recorder.waitFor(/recording into/);
    const simulate = await finish(
      runCli(
        ['simulate', '--elevators', '2', '--prefix', 'REC', '--duration', '30m', '--speed', 'max', '--truth', truth],
        env,
      ),
    );
    expect(simulate.code).toBe(0);
    await settled(trace);
    recorder.child.kill('SIGINT');
    const recorded = await finish(recorder);
    expect(recorded.code).toBe(0);
    expect(recorded.stdout).toMatch(/done\. \d+ messages from 2 elevators \(2 registry rows\)/);
    expect((await readTrace(trace)).messages.length).toBeGreaterThan(60);

    const played = await finish(runCli(['replay', 'play', trace, '--speed', 'max'], env));
    expect(played.code).toBe(0);
    expect(played.stdout).toMatch(/replay play: done\. (\d+) of \1 messages from 2 elevators/);

    const scored = await finish(runCli(['score', '--truth', truth, '--json'], env));
    expect(scored.code).toBe(0);
    const result = JSON.parse(scored.stdout);
    expect(result.tickets).toBe(result.truePositives + result.falsePositives);
    expect(Object.keys(JSON.parse(scored.stdout))).toEqual(
      expect.arrayContaining(['recall', 'precision', 'medianLeadHours', 'p10LeadHours', 'criticalMissed', 'perKind']),
    );
  });

  it('refuses a file that is not a trace, and a replay without a file', async () => {
    const notATrace = path.join(dir, 'not-a-trace.jsonl');
    fs.writeFileSync(notATrace, '{"hello": 1}\n');
    const bad = await finish(runCli(['replay', 'play', notATrace], env));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a liftwatch trace/);
    const missing = await finish(runCli(['replay', 'play'], env));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/liftwatch replay play FILE/);
  });
});

describe('liftwatch rules', () => {
  it('lists the catalogue, runs a scan and backtests a rule against the running liftwatch', async () => {
    const listed = await finish(runCli(['rules', 'list', '--json'], env));
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((rule: { id: string }) => rule.id)).toEqual(
      expect.arrayContaining(['critical-entrapment', 'door-lock-recurring', 'terminal-offline']),
    );
    const scanned = await finish(runCli(['rules', 'scan', '--rule', 'terminal-offline'], env));
    expect(scanned.code).toBe(0);
    expect(scanned.stdout).toMatch(/^rules scan: 1 scans, \d+ findings/);
    const to = new Date().toISOString();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const backtest = await finish(
      runCli(
        [
          'rules',
          'backtest',
          '--rule',
          'door-lock-recurring',
          '--from',
          from,
          '--to',
          to,
          '--config',
          '{"landingCount":3}',
        ],
        env,
      ),
    );
    expect(backtest.code).toBe(0);
    expect(backtest.stdout).toMatch(
      /door-lock-recurring with \{"falseAlarmYears":100,[^}]*"landingCount":3,"landingDays":7\} judged \d+ faults and would have opened \d+ tickets/,
    );
    const bad = await finish(
      runCli(
        [
          'rules',
          'backtest',
          '--rule',
          'door-lock-recurring',
          '--from',
          from,
          '--to',
          to,
          '--config',
          '{"landingCount":0}',
        ],
        env,
      ),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/400: Invalid config for door-lock-recurring: landingCount/);
  });
});
