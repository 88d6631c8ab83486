import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ticket, TicketDetail } from '../../contract/index.js';
import { connectDevice, publish, publishTelemetry } from '../helpers/device.js';
import { registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const T = Date.parse('2026-11-20T09:00:00+08:00');
const MINUTE = 60_000;
const DAY = 86_400_000;
const running: TestSystem[] = [];
afterEach(async () => {
  for (const system of running.splice(0)) await system.stop();
});

async function start(env: Record<string, string> = {}) {
  const system = await startTestSystem(env);
  running.push(system);
  return system;
}

async function api<T>(system: TestSystem, path: string): Promise<T> {
  const response = await fetch(`${system.httpUrl}${path}`, {
    headers: { authorization: `Bearer ${system.adminToken}` },
  });
  return (await response.json()) as T;
}

const tickets = async (system: TestSystem, query = '') =>
  (await api<{ items: Ticket[] }>(system, `/api/tickets${query}`)).items;

/**
 * DESIGN.md's threshold, 3 in 7 days at one landing, for one elevator: the default is 2 since the
 * backtests, at least 24 h apart since issue 19; here the openings an hour apart count, as DESIGN.md's.
 */
async function needThreeDoorLockFaults(system: TestSystem) {
  const response = await fetch(`${system.httpUrl}/api/rules/door-lock-recurring/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'elevator', id: 'E1', config: { landingCount: 3, landingSpanHours: 0 } }),
  });
  if (response.status !== 200) throw new Error(`override answered ${response.status}`);
}

let seq = 0;
const fault = (device: MqttClient, code: number, minutes: number, floor = 3) =>
  publish(device, 'E1', 'faults', { ts: T + minutes * MINUTE, seq: ++seq, code: code as 100, floor });
/** A detector's warning waits six hours for a common cause; the lift's telemetry after them opens it. */
const HOLD_MINUTES = 6 * 60;
const telemetry = (device: MqttClient, minutes: number) => publishTelemetry(device, 'E1', T + minutes * MINUTE, ++seq);

describe('rules on the live path', () => {
  it('opens one ticket on the third door-lock fault, and adds the fourth to it', async () => {
    const system = await start();
    const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
    await needThreeDoorLockFaults(system);
    await fault(device, 100, 0);
    await fault(device, 100, 60);
    expect(await tickets(system)).toEqual([]);
    await fault(device, 100, 120);
    await fault(device, 100, 180);
    await telemetry(device, 120 + HOLD_MINUTES - 1);
    await system.ingest.flush();
    expect(await tickets(system)).toEqual([]);
    await telemetry(device, 120 + HOLD_MINUTES);
    // Opened by the third opening; the fourth, in the hold, joined it.
    await expect.poll(async () => (await tickets(system))[0]?.occurrenceCount).toBe(4);
    const [ticket] = await tickets(system);
    expect(await tickets(system)).toHaveLength(1);
    expect(ticket).toMatchObject({
      openedAt: new Date(T + 120 * MINUTE).toISOString(),
      insurer: 'INS-PICC',
      severity: 'major',
      status: 'open',
    });
    const metrics = await (await fetch(`${system.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lw_tickets_opened_total\{rule="door-lock-recurring"\} 1/);
    expect(metrics).toMatch(/lw_ticket_occurrences_added_total\{rule="door-lock-recurring"\} 4/);
    const detail = await api<TicketDetail>(system, `/api/tickets/${ticket?.id}`);
    expect(detail.occurrences.map((o) => o.at)).toEqual(
      [0, 60, 120, 180].map((m) => new Date(T + m * MINUTE).toISOString()),
    );
  });

  it('opens a critical ticket with the 30-minute rescue deadline within a second of an entrapment', async () => {
    const system = await start();
    const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
    const sent = Date.now();
    await fault(device, 93, 0, 7);
    await expect.poll(() => tickets(system, '?severity=critical'), { interval: 20, timeout: 1000 }).toHaveLength(1);
    const [ticket] = await tickets(system, '?severity=critical');
    expect(ticket).toMatchObject({ rule: 'critical-entrapment', deadlineAt: new Date(T + 30 * MINUTE).toISOString() });
    expect(Date.parse(ticket?.createdAt as string) - sent).toBeLessThan(1000);
  });

  it('opens no ticket from an entrapment stamped further ahead than LW_MAX_CLOCK_SKEW: it is a dead letter', async () => {
    const system = await start({ LW_MAX_CLOCK_SKEW: '1h' });
    const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
    const entrapment = (ts: number) => publish(device, 'E1', 'faults', { ts, seq: ++seq, code: 93, floor: 7 });
    await entrapment(Date.parse('2099-01-01T09:00:00+08:00'));
    await entrapment(Date.now() + 2 * 60 * MINUTE);
    // A clock a little fast, within the skew, is taken as it is.
    const fast = Date.now() + 30 * MINUTE;
    await entrapment(fast);
    await expect.poll(() => tickets(system, '?severity=critical')).toHaveLength(1);
    const [ticket] = await tickets(system, '?severity=critical');
    expect(ticket).toMatchObject({ openedAt: new Date(fast).toISOString() });
    expect(ticket?.deadlineAt).toBe(new Date(fast + 30 * MINUTE).toISOString());
    const letters = await api<{ items: Array<{ reason: string }> }>(system, '/api/dead-letters');
    expect(letters.items.map((letter) => letter.reason)).toEqual([
      expect.stringMatching(/^clock_ahead: ts \S+ is more than LW_MAX_CLOCK_SKEW \(3600000 ms\) ahead of its arrival/),
      expect.stringMatching(/^clock_ahead: ts 2099-01-01T01:00:00.000Z is more than LW_MAX_CLOCK_SKEW/),
    ]);
    expect(await system.query('SELECT seq FROM faults')).toMatchObject([{ rows: [{ seq }] }]);
  });

  it('sees nothing in faults during a maintenance visit, and marks a power cut external', async () => {
    const system = await start();
    const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
    const visit = { technician: 'T1', contractor: 'MC-OTIS', kind: 'half-monthly' as const };
    await publish(device, 'E1', 'maintenance', { ts: T, seq: ++seq, action: 'checkin', ...visit });
    for (const minutes of [1, 2, 3]) await fault(device, 100, minutes);
    await publish(device, 'E1', 'maintenance', { ts: T + 30 * MINUTE, seq: ++seq, action: 'checkout', ...visit });
    await fault(device, 41, 60);
    for (const minutes of [61, 62, 63]) await fault(device, 100, minutes);
    await fault(device, 93, 64);
    await fault(device, 40, 90);
    await expect.poll(() => tickets(system)).toMatchObject([{ rule: 'critical-entrapment', external: true }]);
    await system.ingest.flush();
    expect(await tickets(system)).toHaveLength(1);
  });

  it('counts a fault seen twice before a visit and again within 72 h after it against the visit', async () => {
    const system = await start();
    const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
    const visit = { technician: 'T1', contractor: 'MC-OTIS', kind: 'half-monthly' as const };
    await fault(device, 103, 0);
    await fault(device, 103, 30);
    await publish(device, 'E1', 'maintenance', { ts: T + 60 * MINUTE, seq: ++seq, action: 'checkin', ...visit });
    await publish(device, 'E1', 'maintenance', { ts: T + 90 * MINUTE, seq: ++seq, action: 'checkout', ...visit });
    await fault(device, 103, 24 * 60);
    await expect
      .poll(() => tickets(system, '?rule=repeat-after-maintenance'))
      .toMatchObject([{ category: 'maintenance-quality', contractor: 'MC-OTIS', occurrenceCount: 3 }]);
  });
});

describe('rules across a restart', () => {
  it('still opens the ticket on the third fault when the first two came before the restart, and only once', async () => {
    const env = { LW_DATA_DIR: tempDir(), INFLUX_DB: uniqueDatabase() };
    const before = await start(env);
    const token = await before.register(registration('E1'));
    await needThreeDoorLockFaults(before);
    const device = await connectDevice(before.mqttUrl, 'E1', token);
    await fault(device, 100, 0);
    await fault(device, 100, 60);
    await before.ingest.flush();
    await device.endAsync();
    await before.stop();
    running.splice(running.indexOf(before), 1);

    const after = await start(env);
    const again = await connectDevice(after.mqttUrl, 'E1', token);
    await fault(again, 100, 120);
    await telemetry(again, 120 + HOLD_MINUTES);
    await expect.poll(() => tickets(after)).toMatchObject([{ rule: 'door-lock-recurring', occurrenceCount: 3 }]);
    await again.endAsync();
    await after.ingest.flush();
    await after.stop();
    running.splice(running.indexOf(after), 1);

    const third = await start(env);
    const once = await connectDevice(third.mqttUrl, 'E1', token);
    await fault(once, 100, 180);
    await expect.poll(async () => (await tickets(third))[0]?.occurrenceCount).toBe(4);
    expect(await tickets(third)).toHaveLength(1);
  });
});

describe('baselines across a restart', () => {
  it("rebuilds each elevator's usual rate from InfluxDB: a rise after the restart is judged against it", async () => {
    const env = { LW_DATA_DIR: tempDir(), INFLUX_DB: uniqueDatabase() };
    const before = await start(env);
    const tokens = { E1: await before.register(registration('E1')), E2: await before.register(registration('E2')) };
    const device = await connectDevice(before.mqttUrl, 'E1', tokens.E1);
    // 40 days of a quiet lift: telemetry twice a day, a door fault every few days.
    const now = Date.now();
    const first = now - 45 * DAY;
    for (let day = 0; day < 40; day++) {
      for (const hour of [1, 13]) {
        await publish(device, 'E1', 'telemetry', {
          ts: first + day * DAY + hour * 3_600_000,
          seq: ++seq,
          mode: 1,
          floor: 1,
          direction: 0,
          doorState: 2,
          runs: 100 * day + hour,
          runSeconds: 0,
          doorCycles: 0,
        });
      }
      if (day % 4 === 2) {
        await publish(device, 'E1', 'faults', { ts: first + day * DAY + 5 * 3_600_000, seq: ++seq, code: 2, floor: 2 });
      }
    }
    await before.ingest.flush();
    await device.endAsync();
    expect(await tickets(before)).toEqual([]);
    await before.stop();
    running.splice(running.indexOf(before), 1);

    const after = await start(env);
    const [e1, e2] = [
      await connectDevice(after.mqttUrl, 'E1', tokens.E1),
      await connectDevice(after.mqttUrl, 'E2', tokens.E2),
    ];
    // Four door faults a day in the last four days (a rise shows on 3 days at least): a rise for
    // E1, whose usual is a fault every four days; E2 has no history, and its first week only learns.
    for (let i = 0; i < 16; i++) {
      for (const [device, id] of [
        [e1, 'E1'],
        [e2, 'E2'],
      ] as const) {
        await publish(device, id, 'faults', {
          ts: now - 4 * DAY + (i + 1) * 6 * 3_600_000,
          seq: ++seq,
          code: 2,
          floor: 2,
        });
      }
    }
    await expect.poll(() => tickets(after, '?rule=door-faults-recurring')).toHaveLength(1);
    const [ticket] = await tickets(after, '?rule=door-faults-recurring');
    expect(ticket).toMatchObject({ elevator: 'E1', category: 'hazard', evidence: { test: 'rate-rise' } });
    // A fault every four days: 1.75 a week, as the days before the restart showed.
    expect(ticket?.evidence?.usualPerWeek).toBeGreaterThan(1);
    expect(ticket?.evidence?.usualPerWeek).toBeLessThan(2.5);
    expect(ticket?.title).toMatch(/^Door faults \d+ in the last 7 days against this elevator's usual [\d.]+ a week/);
    await after.ingest.flush();
    expect(await tickets(after)).toHaveLength(1);
  });
});

describe('backtest', () => {
  it('says what a rule would have opened over history, with a candidate config, opening nothing', async () => {
    const system = await start();
    const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
    // The live rules leave these alone (the stored override), so that what the backtest opens is its own.
    const override = await fetch(`${system.httpUrl}/api/rules/door-lock-recurring/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'elevator', id: 'E1', config: { landingCount: 4 } }),
    });
    expect(override.status).toBe(200);
    // A day and a half: the default asks the openings at one landing 24 h apart.
    for (const minutes of [0, 1440, 2160]) await fault(device, 100, minutes);
    await telemetry(device, 0);
    await system.ingest.flush();
    const run = (body: object) =>
      fetch(`${system.httpUrl}/api/rules/backtest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          from: new Date(T - MINUTE).toISOString(),
          to: new Date(T + 2 * 86_400_000).toISOString(),
          ...body,
        }),
      });
    const lenient = (await (await run({ rule: 'door-lock-recurring' })).json()) as { tickets: Ticket[] };
    expect(lenient).toMatchObject({ rule: 'door-lock-recurring', faultsJudged: 3, config: { landingCount: 2 } });
    expect(lenient.tickets).toMatchObject([
      { elevator: 'E1', occurrenceCount: 3, openedAt: new Date(T + 1440 * MINUTE).toISOString() },
    ]);
    const strict = (await (await run({ rule: 'door-lock-recurring', config: { landingCount: 3 } })).json()) as {
      tickets: Ticket[];
    };
    expect(strict.tickets).toMatchObject([
      {
        elevator: 'E1',
        occurrenceCount: 3,
        openedAt: new Date(T + 2160 * MINUTE).toISOString(),
        evidence: { test: 'landing-repeat', count: 3, floor: 3 },
      },
    ]);
    expect(
      ((await (await run({ rule: 'door-lock-recurring', config: { landingCount: 4 } })).json()) as { tickets: [] })
        .tickets,
    ).toEqual([]);
    expect(await tickets(system)).toEqual([]);
    expect((await run({ rule: 'nope' })).status).toBe(404);
    const bad = await run({ rule: 'door-lock-recurring', config: { landingCount: -1 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/landingCount/);

    // A scheduled rule: its scan as of each day, with the candidate config.
    const offline = (await (await run({ rule: 'terminal-offline' })).json()) as { scans: number; tickets: Ticket[] };
    expect(offline.scans).toBe(3);
    expect(offline.tickets).toMatchObject([{ elevator: 'E1', rule: 'terminal-offline' }]);
    const patient = (await (await run({ rule: 'terminal-offline', config: { afterMinutes: 7 * 24 * 60 } })).json()) as {
      tickets: Ticket[];
    };
    expect(patient.tickets).toEqual([]);
    expect(await tickets(system)).toEqual([]);
  });
});
