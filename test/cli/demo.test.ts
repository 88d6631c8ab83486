import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEMO_FILE, historyLine, planHistory, progressBar, readHistory } from '../../cli/demo.js';
import type { FleetStats } from '../../simulators/fleet.js';
import { freePort } from '../../lib/net.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { localInfluxRows } from '../helpers/influx.js';
import { inTerminal } from '../helpers/terminal.js';

/** ESC [ K: clear to the end of the line. */
const CLEAR_LINE = '\u001b[K';

/**
 * `liftwatch start --demo` as `npm run demo` runs it: its fleet's history first, at full speed,
 * so the console opens on tickets; then live; a second run goes on where the first stopped.
 * A small fleet over a few days keeps it short: the demo spreads its events over any length.
 */

const HISTORY_TIMEOUT_MS = 120_000;
const ELEVATORS = 10;
/**
 * Long enough for the detectors to judge: an elevator's rate tests wait for a week of its own
 * history (rules/detectors/rate.ts OWN_HISTORY_DAYS), so a shorter history's only non-critical
 * tickets came from the maintenance rules, or none, by the hour it was played.
 */
const DAYS = 10;

async function freshEnvironment() {
  return {
    LW_DATA_DIR: tempDir(),
    LW_MQTT_PORT: String(await freePort()),
    LW_MQTT_WS_PORT: String(await freePort()),
    LW_HTTP_PORT: String(await freePort()),
    LW_INFLUX_PORT: String(await freePort()),
  };
}

const demoArgs = ['start', '--demo', '--demo-elevators', String(ELEVATORS), '--demo-days', String(DAYS)];
const PLAYED = /demo: history played in \d+ s \(([\d,]+) messages?\): (\d+) tickets?, (\d+) critical/;

interface Ticket {
  readonly rule: string;
  readonly severity: string;
  readonly elevator: string;
}

async function get<T>(env: Record<string, string>, adminKey: string, route: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${env.LW_HTTP_PORT}${route}`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  expect(response.status, route).toBe(200);
  return (await response.json()) as T;
}

const messagesIn = (match: RegExpMatchArray) => Number((match[1] as string).replaceAll(',', ''));

const DAY_MS = 86_400_000;

describe('the demo history', () => {
  const now = Date.parse('2026-12-01T12:00:00+08:00');
  const wanted = { days: 30, elevators: 10 };

  it('is the last `days` the first time, played from its start', () => {
    const from = now - 30 * DAY_MS;
    expect(planHistory(null, wanted, now)).toEqual({
      history: { fromMs: from, days: 30, elevators: 10, playedTo: from },
      resumed: false,
    });
  });

  it('goes on where the last run stopped, with the same start, when it stopped less than its length ago', () => {
    const saved = { fromMs: now - 40 * DAY_MS, days: 30, elevators: 10, playedTo: now - 2 * 3_600_000 };
    expect(planHistory(saved, wanted, now)).toEqual({ history: saved, resumed: true });
  });

  it('starts a new one, never before the last run stopped, when it stopped long ago or its shape changed', () => {
    const stoppedLongAgo = { fromMs: now - 70 * DAY_MS, days: 30, elevators: 10, playedTo: now - 40 * DAY_MS };
    expect(planHistory(stoppedLongAgo, wanted, now).history).toMatchObject({ fromMs: now - 30 * DAY_MS });
    const recent = now - 3_600_000;
    for (const saved of [
      { fromMs: now - 20 * DAY_MS, days: 30, elevators: 4, playedTo: recent },
      { fromMs: now - 20 * DAY_MS, days: 7, elevators: 10, playedTo: recent },
      { fromMs: now - 200 * DAY_MS, days: 30, elevators: 10, playedTo: recent },
    ]) {
      expect(planHistory(saved, wanted, now)).toEqual({
        history: { fromMs: recent, days: 30, elevators: 10, playedTo: recent },
        resumed: false,
      });
    }
  });

  it('shows its progress as a bar, half the days played and half the days judged', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░  50%');
    const history = { fromMs: now - 30 * DAY_MS, days: 30, elevators: 10, playedTo: now - 30 * DAY_MS };
    const stats: FleetStats = {
      elevators: 10,
      registered: 10,
      connected: 10,
      published: 243_908,
      errors: 0,
      simulatedTo: now - 15 * DAY_MS,
      phase: 'catching-up',
    };
    const progress = { stats, history, resumeAt: history.playedTo, scannedTo: now - 24 * DAY_MS, now };
    const tickets = { all: 12, critical: 1 };
    expect(historyLine({ ...progress, tickets }, false)).toBe(
      'demo: history 35% (day 16 of 30 played, 6 judged): 243,908 messages, 12 tickets (1 critical)',
    );
    expect(historyLine({ ...progress, tickets }, true)).toMatch(/^demo: history █{8}░{16} {2}35% {2}day 16 of 30/);
    const resuming = { ...progress, resumeAt: now - 2 * DAY_MS, scannedTo: now - 2 * DAY_MS, tickets };
    expect(historyLine(resuming, true)).toBe(
      'demo: resuming, the elevators going through their history again up to day 29: day 16',
    );
  });
});

describe('liftwatch start --demo', () => {
  it('plays its history first (wear, visits, a power cut, an entrapment) so tickets are there, then goes on live; a second run plays only the time since', async () => {
    const env = await freshEnvironment();
    const first = runCli([...demoArgs, '--progress-every', '1s'], env);
    const [, adminKey] = (await first.waitFor(/Admin key {3}(\S+) {2}\(generated now/, 60_000)) as unknown as [
      string,
      string,
    ];
    const played = await first.waitFor(PLAYED, HISTORY_TIMEOUT_MS);
    expect(Number(played[2])).toBeGreaterThan(0);
    // Not a terminal: plain progress lines, nothing drawn in place.
    expect(first.stdout()).toMatch(
      new RegExp(`demo: history \\d+% \\(day \\d+ of ${DAYS} played, \\d+ judged\\): [\\d,]+ messages?, \\d+ tickets?`),
    );
    expect(first.stdout()).not.toContain('\r');
    expect(first.stdout()).toMatch(/console, http:\/\/127\.0\.0\.1:\d+\/console/);

    const { items: tickets } = await get<{ items: Ticket[] }>(env, adminKey, '/api/tickets?limit=200');
    expect(tickets.length).toBe(Number(played[2]));
    expect(tickets).toContainEqual(expect.objectContaining({ rule: 'critical-entrapment', severity: 'critical' }));
    expect(tickets.some((ticket) => ticket.severity !== 'critical')).toBe(true);
    const { items: visits } = await get<{ items: unknown[] }>(env, adminKey, '/api/maintenance');
    expect(visits.length).toBeGreaterThan(0);
    const { faults } = await get<{ faults: Array<{ code: number }> }>(
      env,
      adminKey,
      '/api/elevators/SIM-000001/recent?days=7',
    );
    expect(faults.map(({ code }) => code)).toContain(41);

    await first.waitFor(new RegExp(`demo: ${ELEVATORS}/${ELEVATORS} elevators connected`), 30_000);
    // Each elevator connected now is online where the dashboards read it, its last presence flag.
    const online = await localInfluxRows(env, 'SELECT last(online) FROM online GROUP BY elevator');
    expect(online.map((row) => row.last)).toEqual(Array<number>(ELEVATORS).fill(1));
    first.child.kill('SIGINT');
    expect(await first.exited()).toBe(0);
    const saved = readHistory(path.join(env.LW_DATA_DIR, DEMO_FILE));
    expect(saved).toMatchObject({ days: DAYS, elevators: ELEVATORS });
    expect(Date.now() - (saved?.playedTo ?? 0)).toBeLessThan(60_000);

    const second = runCli([...demoArgs, '--progress-every', '1s'], env);
    await second.waitFor(
      new RegExp(`demo: ${ELEVATORS} simulated elevators, going on from \\S+, where the last run stopped`),
      60_000,
    );
    const again = await second.waitFor(PLAYED, HISTORY_TIMEOUT_MS);
    expect(messagesIn(again)).toBeLessThan(messagesIn(played) / 10);
    const { items: after } = await get<{ items: Ticket[] }>(env, adminKey, '/api/tickets?limit=200');
    expect(after.filter((ticket) => ticket.rule === 'critical-entrapment')).toHaveLength(
      tickets.filter((ticket) => ticket.rule === 'critical-entrapment').length,
    );
    second.child.kill('SIGINT');
    expect(await second.exited()).toBe(0);
  }, 300_000);

  it('draws its progress as one bar in place on a terminal, and logs lines for a person there', async () => {
    const env = await freshEnvironment();
    const terminal = inTerminal([...demoArgs.slice(0, 3), '2', '--demo-days', '1'], env);
    await terminal.waitFor(PLAYED, HISTORY_TIMEOUT_MS);
    // Each drawing goes back to the line's start and clears it.
    expect(terminal.output()).toContain(`\r${CLEAR_LINE}demo: history █`);
    const text = stripVTControlCharacters(terminal.output());
    expect(text).toMatch(/\rdemo: history [█░]{24} +\d+% {2}day 1 of 1 played/);
    expect(text).toMatch(/\d\d:\d\d:\d\d\.\d{3} INFO +rules: rules engine memory rebuilt from InfluxDB events=0/);
    expect(terminal.output()).not.toContain('{"level"');
    expect(await terminal.stop()).toBe(0);
    expect(fs.existsSync(path.join(env.LW_DATA_DIR, DEMO_FILE))).toBe(true);
  }, 300_000);
});
