import { stripVTControlCharacters } from 'node:util';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { loadConfig } from '../../config/env.js';
import { freePort } from '../../lib/net.js';
import { logFormatFor, prettyLine } from '../../lib/logger.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';
import { inTerminal } from '../helpers/terminal.js';

/** The command line as a person at a terminal meets it: the version, logs to read, relative times. */

describe('liftwatch --version', () => {
  it.each(['--version', '-v'])('%s prints the package version', async (flag) => {
    const cli = runCli([flag]);
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout()).toBe(`liftwatch ${packageJson.version}\n`);
  });

  it('is named in the overview', async () => {
    const cli = runCli(['--help']);
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout()).toContain('liftwatch --version');
  });
});

describe('log format', () => {
  it('is lines for a person on a terminal and JSON elsewhere, unless LW_LOG_FORMAT says which', () => {
    expect(logFormatFor(null, true)).toBe('pretty');
    expect(logFormatFor(null, false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
    expect(loadConfig({}).logFormat).toBeNull();
    expect(loadConfig({ LW_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LW_LOG_FORMAT: 'xml' })).toThrow(
      /LW_LOG_FORMAT="xml" is not valid: .*one of json, pretty/,
    );
  });

  it('writes a line as `time LEVEL component: message key=value`, an error stack below', () => {
    const lines: string[] = [];
    const logger = pino({ base: { service: 'liftwatch' } }, { write: (line: string) => void lines.push(line) });
    logger.child({ component: 'rules' }).warn({ elevator: 'CQ-1', note: 'two words' }, 'scan late');
    logger.error({ err: new Error('InfluxDB down') }, 'write failed');
    const [warn, error] = lines.map((line) => prettyLine(line, { colors: false }));
    expect(warn).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}rules: scan late elevator=CQ-1 note="two words"\n$/);
    expect(error).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR write failed\n {4}Error: InfluxDB down\n +at /);
    expect(prettyLine(lines[0] as string, { colors: true })).toContain('\u001b[33mWARN \u001b[39m');
  });

  /** `liftwatch broker`, and a device it refuses: a warning in its log. */
  async function refusedDevice(
    start: (env: Record<string, string>) => { stop(): Promise<number | null>; log(): string },
    extra: Record<string, string> = {},
  ) {
    const port = await freePort();
    const broker = start({
      LW_DATA_DIR: tempDir(),
      LW_MQTT_PORT: String(port),
      LW_MQTT_WS_PORT: String(await freePort()),
      ...extra,
    });
    await expect.poll(broker.log, { timeout: 30_000 }).toMatch(/liftwatch broker on/);
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      clientId: 'CQ-NOBODY',
      username: 'CQ-NOBODY',
      password: 'wrong',
      reconnectPeriod: 0,
    });
    client.on('error', () => undefined);
    await expect.poll(broker.log).toMatch(/MQTT connection refused/);
    client.end(true);
    expect(await broker.stop()).toBe(0);
    return stripVTControlCharacters(broker.log());
  }
  const piped = (env: Record<string, string>) => {
    const cli = runCli(['broker'], { LW_LOG_LEVEL: 'info', ...env });
    return { stop: cli.stop, log: () => `${cli.stdout()}${cli.stderr()}` };
  };
  const onTerminal = (env: Record<string, string>) => {
    const terminal = inTerminal(['broker'], env);
    return { stop: terminal.stop, log: terminal.output };
  };
  const PRETTY = /\d\d:\d\d:\d\d\.\d{3} WARN +MQTT connection refused: .* clientId=CQ-NOBODY/;
  const JSON_LINE = /\{"level":40,.*"clientId":"CQ-NOBODY".*"msg":"MQTT connection refused: /;

  it('logs JSON lines into a pipe, lines for a person when LW_LOG_FORMAT=pretty', async () => {
    expect(await refusedDevice(piped)).toMatch(JSON_LINE);
    const pretty = await refusedDevice(piped, { LW_LOG_FORMAT: 'pretty' });
    expect(pretty).toMatch(PRETTY);
    expect(pretty).not.toContain('{"level"');
  });

  it('logs lines for a person on a terminal, JSON lines there when LW_LOG_FORMAT=json', async () => {
    const pretty = await refusedDevice(onTerminal);
    expect(pretty).toMatch(PRETTY);
    expect(pretty).not.toContain('{"level"');
    expect(await refusedDevice(onTerminal, { LW_LOG_FORMAT: 'json' })).toMatch(JSON_LINE);
  });
});

describe('liftwatch simulate --from', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system?.stop());

  const simulate = (args: string[]) =>
    runCli(['simulate', '--elevators', '1', '--duration', '10m', '--speed', 'max', '--json', ...args], {
      LW_DATA_DIR: tempDir(),
      LW_API_URL: system.httpUrl,
      LW_MQTT_URL: system.mqttUrl,
      LW_ADMIN_TOKEN: system.adminToken,
    });

  it.each([
    ['--from', '-14d'],
    ['--from=-14d', '--prefix', 'EQ'],
  ])('takes a time before now as `simulate --help` writes it: %s %s', async (...args) => {
    const started = Date.now();
    const cli = simulate(args);
    expect(await cli.exited(), cli.stderr()).toBe(0);
    const summary = JSON.parse(cli.stdout()) as { simulatedFrom: string };
    expect(Math.abs(Date.parse(summary.simulatedFrom) - (started - 14 * 86_400_000))).toBeLessThan(60_000);
  });

  it('still refuses an option whose value was forgotten, and a time it cannot read', async () => {
    const forgotten = simulate(['--from', '--prefix', 'X']);
    expect(await forgotten.exited()).toBe(2);
    expect(forgotten.stderr()).toMatch(/--from.*argument is ambiguous/);
    const unreadable = simulate(['--from', '-14x']);
    expect(await unreadable.exited()).toBe(2);
    expect(unreadable.stderr()).toMatch(/"-14x" is not now, an ISO date, or a duration before now such as -90d/);
  });
});
