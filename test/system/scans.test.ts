import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ticket } from '../../contract/index.js';
import { connectDevice, publish } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const running: TestSystem[] = [];
afterEach(async () => {
  for (const system of running.splice(0)) await system.stop();
});

async function setUp() {
  const system = await startTestSystem();
  running.push(system);
  const device = await connectDevice(system.mqttUrl, 'E1', await system.register(registration('E1')));
  return { system, device };
}

async function call<T>(
  system: TestSystem,
  method: string,
  path: string,
  body?: object,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${system.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const tickets = async (system: TestSystem, rule: string) =>
  (await call<{ items: Ticket[] }>(system, 'GET', `/api/tickets?rule=${rule}`)).body.items;

let seq = 0;
const telemetry = (device: MqttClient, ts: number) =>
  publish(device, 'E1', 'telemetry', {
    ts,
    seq: ++seq,
    mode: 1,
    floor: 1,
    direction: 0,
    doorState: 2,
    runs: seq,
    runSeconds: seq,
    doorCycles: seq,
  });
const visit = (device: MqttClient, action: 'checkin' | 'checkout', ts: number) =>
  publish(device, 'E1', 'maintenance', {
    ts,
    seq: ++seq,
    action,
    technician: 'T1',
    contractor: 'MC-OTIS',
    kind: 'half-monthly',
  });

describe('scheduled rules through the system', () => {
  it('open an offline ticket for a silent terminal, which its next telemetry resolves', async () => {
    const { system, device } = await setUp();
    await telemetry(device, Date.now() - 2 * 60 * MINUTE);
    await system.ingest.flush();
    const scan = await call<{ reports: Array<{ opened: number }> }>(system, 'POST', '/api/rules/scan', {
      rule: 'terminal-offline',
    });
    expect(scan.body.reports).toMatchObject([{ rule: 'terminal-offline', findings: 1, opened: 1 }]);
    expect(await tickets(system, 'terminal-offline')).toMatchObject([
      { category: 'data-quality', title: expect.stringMatching(/No telemetry for 1[12]\d minutes/) },
    ]);
    await telemetry(device, Date.now());
    await expect.poll(async () => (await tickets(system, 'terminal-offline'))[0]?.status).toBe('resolved');
    expect((await tickets(system, 'terminal-offline'))[0]?.closed).toMatchObject({
      by: 'liftwatch',
      note: 'the terminal reports again',
    });
  });

  it('open an overdue-maintenance ticket, which the next check-out resolves', async () => {
    const { system, device } = await setUp();
    await telemetry(device, Date.now() - 25 * DAY);
    await visit(device, 'checkout', Date.now() - 20 * DAY);
    await telemetry(device, Date.now() - MINUTE);
    await system.ingest.flush();
    await call(system, 'POST', '/api/rules/scan', { rule: 'maintenance-overdue' });
    expect(await tickets(system, 'maintenance-overdue')).toMatchObject([
      { status: 'open', title: '20 days since the last maintenance (limit 15)' },
    ]);
    await visit(device, 'checkin', Date.now() - 30 * MINUTE);
    await visit(device, 'checkout', Date.now());
    await expect.poll(async () => (await tickets(system, 'maintenance-overdue'))[0]?.status).toBe('resolved');
  });

  it('backfill: judge past days as they were, opening the overdue ticket on the first day past the limit', async () => {
    const { system, device } = await setUp();
    const start = Date.parse('2026-10-01T00:00:00Z');
    await telemetry(device, start);
    await visit(device, 'checkout', start + 60 * MINUTE);
    await system.ingest.flush();
    const backfill = await call<{ reports: Array<{ asOf: string; opened: number }> }>(
      system,
      'POST',
      '/api/rules/scan',
      {
        rule: 'maintenance-overdue',
        from: new Date(start + 10 * DAY).toISOString(),
        to: new Date(start + 19 * DAY).toISOString(),
        every: '1d',
      },
    );
    expect(backfill.body.reports).toHaveLength(10);
    const opened = backfill.body.reports.find((report) => report.opened === 1);
    expect(opened?.asOf).toBe(new Date(start + 16 * DAY).toISOString());
    const [ticket] = await tickets(system, 'maintenance-overdue');
    expect(ticket).toMatchObject({
      status: 'open',
      openedAt: opened?.asOf,
      title: '15 days since the last maintenance (limit 15)',
    });
  });

  it('refuse an unknown scheduled rule and half a period', async () => {
    const { system } = await setUp();
    expect((await call(system, 'POST', '/api/rules/scan', { rule: 'door-lock-recurring' })).status).toBe(404);
    const half = await call<{ code: string; message: string }>(system, 'POST', '/api/rules/scan', {
      from: new Date().toISOString(),
    });
    expect(half.status).toBe(400);
    expect(half.body.message).toMatch(/from and to together/);
  });
});
