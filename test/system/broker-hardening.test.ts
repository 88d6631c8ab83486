import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, connectDevice, publish, refusedWith } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const ts = Date.parse('2026-11-25T08:00:00+08:00');
/** Every broker limit small, and loopback (where the test connects from) not exempt. */
const ENV = {
  LW_MQTT_MAX_PAYLOAD_BYTES: '512',
  LW_MQTT_PUBLISH_RATE: '1',
  LW_MQTT_PUBLISH_BURST: '3',
  LW_MQTT_RATE_EXEMPT: 'none',
};
const PROMPTLY_MS = 1000;

let system: TestSystem;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  system = await startTestSystem(ENV);
  for (const id of ['HX-1', 'HX-2', 'HX-3']) tokens[id] = await system.register(registration(id));
});
afterAll(() => system.stop());

const fault = (seq: number, detail = '') => ({
  ts: ts + seq,
  seq,
  code: 2 as const,
  floor: 1,
  ...(detail && { detail }),
});

async function storedSeqs(elevator: string): Promise<number[]> {
  const series = await system.query(`SELECT seq FROM faults WHERE elevator = '${elevator}'`);
  return series.flatMap((s) => s.rows.map((row) => row.seq as number)).sort((a, b) => a - b);
}

async function metric(name: string): Promise<string[]> {
  const text = await (await fetch(`${system.httpUrl}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('broker limits in the running system', () => {
  it('refuses an oversize payload: connection closed, nothing stored, not even as a dead letter', async () => {
    const device = await connectDevice(system.mqttUrl, 'HX-1', tokens['HX-1'] as string);
    await publish(device, 'HX-1', 'faults', fault(1));
    const gone = closed(device);
    device.publish('elevators/HX-1/faults', JSON.stringify(fault(2, 'x'.repeat(600))), { qos: 1 });
    await gone;
    await expect.poll(() => storedSeqs('HX-1')).toEqual([1]);
    expect(system.context.store.deadLetters.count()).toBe(0);
    expect(await metric('lw_mqtt_refusals_total{reason="payload_too_large"}')).toEqual([
      'lw_mqtt_refusals_total{reason="payload_too_large"} 1',
    ]);
  });

  it('refuses the publish over the rate: the burst is stored, the rest is not', async () => {
    const device = await connectDevice(system.mqttUrl, 'HX-2', tokens['HX-2'] as string);
    const gone = closed(device);
    for (let seq = 1; seq <= 5; seq++) device.publish('elevators/HX-2/faults', JSON.stringify(fault(seq)), { qos: 0 });
    await gone;
    await expect.poll(() => storedSeqs('HX-2')).toEqual([1, 2, 3]);
    expect(await metric('lw_mqtt_refusals_total{reason="publish_rate"}')).toEqual([
      'lw_mqtt_refusals_total{reason="publish_rate"} 1',
    ]);
  });

  it('drops a device within a second of POST /api/elevators/:id/token, and the old token is refused', async () => {
    const device = await connectDevice(system.mqttUrl, 'HX-3', tokens['HX-3'] as string);
    const gone = closed(device);
    const started = Date.now();
    const response = await fetch(`${system.httpUrl}/api/elevators/HX-3/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.adminToken}` },
    });
    expect(response.status).toBe(200);
    await gone;
    expect(Date.now() - started).toBeLessThan(PROMPTLY_MS);
    const { token } = (await response.json()) as { token: string };
    expect(await refusedWith(system.mqttUrl, { clientId: 'HX-3', username: 'HX-3', password: tokens['HX-3'] })).toBe(4);
    const again = await connectDevice(system.mqttUrl, 'HX-3', token);
    expect(again.connected).toBe(true);
  });

  it('shows the addresses with authentication failures on /api/health, and no address on /metrics', async () => {
    const admin = { authorization: `Bearer ${system.adminToken}` };
    const health = (await (await fetch(`${system.httpUrl}/api/health`, { headers: admin })).json()) as {
      components: Record<string, { detail: { failingAddresses: unknown[] } }>;
    };
    expect(health.components.broker?.detail.failingAddresses).toEqual([
      { address: '127.0.0.1', failures: 1, lastAt: expect.any(String) },
    ]);
    expect((await metric('lw_mqtt_')).join('\n')).not.toContain('127.0.0.1');
  });
});
