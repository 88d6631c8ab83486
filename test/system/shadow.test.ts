import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShadowRecord, ShadowReport, Ticket } from '../../contract/index.js';
import { connectDevice, publish, publishTelemetry } from '../helpers/device.js';
import { registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const T = Date.parse('2026-11-20T09:00:00+08:00');
const MINUTE = 60_000;
const running: TestSystem[] = [];
afterEach(async () => {
  for (const system of running.splice(0)) await system.stop();
});

async function start(env: Record<string, string>) {
  const system = await startTestSystem(env);
  running.push(system);
  return system;
}

async function stop(system: TestSystem) {
  await system.ingest.flush();
  await system.stop();
  running.splice(running.indexOf(system), 1);
}

const api = async <T>(system: TestSystem, path: string, init: RequestInit = {}): Promise<T> => {
  const response = await fetch(`${system.httpUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
};
const tickets = async (system: TestSystem) => (await api<{ items: Ticket[] }>(system, '/api/tickets')).items;
const shadows = async (system: TestSystem) =>
  (await api<{ items: ShadowRecord[] }>(system, '/api/rules/shadows')).items;

let seq = 0;
const lockOpen = (device: MqttClient, minutes: number) =>
  publish(device, 'E1', 'faults', { ts: T + minutes * MINUTE, seq: ++seq, code: 100, floor: 3 });

describe('a rule in shadow on the live path', () => {
  it('records what its shadow config would have opened beside the live ticket, and takes it up after a restart', async () => {
    const env = { LW_DATA_DIR: tempDir(), INFLUX_DB: uniqueDatabase() };
    const before = await start(env);
    const token = await before.register(registration('E1'));
    // Live: three openings at one landing (DESIGN.md's threshold); in shadow: two, the default;
    // both counting openings an hour apart (the default asks them 24 h apart).
    await api(before, '/api/rules/door-lock-recurring/config', {
      method: 'PUT',
      body: JSON.stringify({
        scope: 'default',
        config: { landingCount: 3, landingSpanHours: 0, shadow: { landingCount: 2 } },
      }),
    });
    const device = await connectDevice(before.mqttUrl, 'E1', token);
    for (const minutes of [0, 60, 120]) await lockOpen(device, minutes);
    // A detector's warning waits six hours for a common cause: the lift's telemetry after them opens both.
    await publishTelemetry(device, 'E1', T + (120 + 6 * 60) * MINUTE, ++seq);
    await expect
      .poll(() => tickets(before))
      .toMatchObject([{ rule: 'door-lock-recurring', openedAt: new Date(T + 120 * MINUTE).toISOString() }]);
    await expect
      .poll(() => shadows(before))
      .toMatchObject([
        {
          elevator: 'E1',
          rule: 'door-lock-recurring',
          status: 'open',
          openedAt: new Date(T + 60 * MINUTE).toISOString(),
          occurrenceCount: 3,
          evidence: { test: 'landing-repeat', count: 2, floor: 3 },
        },
      ]);
    const events = await api<{ items: Array<{ ticket: { id: string } }> }>(before, '/api/ticket-events');
    const [ticket] = await tickets(before);
    expect(events.items.map((event) => event.ticket.id)).toEqual(events.items.map(() => ticket?.id));
    const metrics = await (await fetch(`${before.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lw_tickets_opened_total\{rule="door-lock-recurring"\} 1\n/);
    await device.endAsync();
    await stop(before);

    const after = await start(env);
    const again = await connectDevice(after.mqttUrl, 'E1', token);
    await lockOpen(again, 180);
    await expect.poll(async () => (await tickets(after))[0]?.occurrenceCount).toBe(4);
    await expect.poll(async () => (await shadows(after))[0]?.occurrenceCount).toBe(4);
    expect(await shadows(after)).toHaveLength(1);
    const report = await api<ShadowReport>(
      after,
      `/api/rules/shadow-report?from=${new Date(T - MINUTE).toISOString()}&to=${new Date(T + 86_400_000).toISOString()}`,
    );
    expect(report.rules).toEqual([
      expect.objectContaining({ rule: 'door-lock-recurring', wouldOpen: 1, coinciding: 1, medianLeadHours: 1 }),
    ]);
    await again.endAsync();
  });
});
