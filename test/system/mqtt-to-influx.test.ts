import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, connectDevice, publish, refusedWith, subscribeCodes } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const ts = Date.parse('2026-11-25T08:00:00+08:00');
const registryTags = {
  elevator: 'CQ-0001',
  district: '渝中区',
  use_unit: 'UU-7',
  insurer: 'INS-A',
  contractor: 'MC-1',
};

let system: TestSystem;
let token: string;
let otherToken: string;

beforeAll(async () => {
  system = await startTestSystem();
  token = await system.register(registration('CQ-0001', { useUnit: 'UU-7', insurer: 'INS-A', contractor: 'MC-1' }));
  otherToken = await system.register(registration('CQ-0002'));
});
afterAll(() => system.stop());

async function rows(influxql: string) {
  const series = await system.query(influxql);
  return series.flatMap((s) => s.rows);
}

async function deadLetters() {
  const response = await fetch(`${system.httpUrl}/api/dead-letters`, {
    headers: { authorization: `Bearer ${system.adminToken}` },
  });
  return (await response.json()) as { items: Array<{ topic: string; reason: string; payload: string }>; total: number };
}

describe('a registered elevator publishing over MQTT', () => {
  it('has each payload kind stored in InfluxDB with the registry tags', async () => {
    const device = await connectDevice(system.mqttUrl, 'CQ-0001', token);
    await publish(device, 'CQ-0001', 'telemetry', {
      ts,
      seq: 1,
      mode: 1,
      floor: 5,
      direction: 1,
      doorState: 2,
      occupied: true,
      loadPct: 42.5,
      speedMps: 1.6,
      runs: 1200,
      runSeconds: 36000,
      doorCycles: 2500,
      ropeBends: 3600,
    });
    await publish(device, 'CQ-0001', 'faults', { ts: ts + 1, seq: 2, code: 100, floor: 3, detail: 'landing 3' });
    await publish(device, 'CQ-0001', 'doors', {
      ts: ts + 2,
      seq: 3,
      floor: 3,
      openMs: 3000,
      closeMs: 4200,
      reopens: 2,
      obstructed: true,
    });
    await publish(device, 'CQ-0001', 'maintenance', {
      ts: new Date(ts + 3).toISOString(),
      seq: 4,
      action: 'checkin',
      technician: 'T-9',
      contractor: 'MC-1',
      kind: 'half-monthly',
      items: ['brake'],
    });
    await device.publishAsync('elevators/CQ-0001/online', '1', { qos: 1, retain: true });

    await expect
      .poll(() => rows('SELECT * FROM telemetry'))
      .toEqual([
        {
          time: ts,
          ...registryTags,
          seq: 1,
          mode: 1,
          inService: 1,
          floor: 5,
          direction: 1,
          doorState: 2,
          occupied: true,
          loadPct: 42.5,
          speedMps: 1.6,
          runs: 1200,
          runSeconds: 36000,
          doorCycles: 2500,
          ropeBends: 3600,
        },
      ]);
    expect(await rows('SELECT * FROM faults')).toEqual([
      {
        time: ts + 1,
        ...registryTags,
        code: '100',
        severity: 'major',
        category: 'hazard',
        seq: 2,
        floor: 3,
        detail: 'landing 3',
      },
    ]);
    expect(await rows('SELECT * FROM doors')).toEqual([
      { time: ts + 2, ...registryTags, seq: 3, floor: 3, openMs: 3000, closeMs: 4200, reopens: 2, obstructed: true },
    ]);
    expect(await rows('SELECT * FROM maintenance')).toEqual([
      {
        time: ts + 3,
        ...registryTags,
        seq: 4,
        action: 'checkin',
        technician: 'T-9',
        visitContractor: 'MC-1',
        kind: 'half-monthly',
        items: '["brake"]',
      },
    ]);
    expect(await rows("SELECT online FROM online WHERE elevator = 'CQ-0001'")).toEqual([
      { time: expect.any(Number), online: 1 },
    ]);
  });

  it('stores the will message as offline when the connection drops', async () => {
    const device = await connectDevice(system.mqttUrl, 'CQ-0002', otherToken, {
      will: { topic: 'elevators/CQ-0002/online', payload: Buffer.from('0'), qos: 1, retain: true },
    });
    device.stream.destroy();
    await expect
      .poll(() => rows("SELECT online FROM online WHERE elevator = 'CQ-0002'"))
      .toEqual([{ time: expect.any(Number), online: 0 }]);
  });

  it('keeps a malformed payload as a dead letter and still stores the next good message', async () => {
    const device = await connectDevice(system.mqttUrl, 'CQ-0001', token);
    await device.publishAsync('elevators/CQ-0001/faults', '{"ts": "yesterday", "code": 2}', { qos: 1 });
    await device.publishAsync('elevators/CQ-0001/doors', 'not json', { qos: 1 });
    await publish(device, 'CQ-0001', 'faults', { ts: ts + 10, seq: 10, code: 2, floor: 1 });
    await expect.poll(() => rows('SELECT seq FROM faults WHERE seq = 10')).toHaveLength(1);
    const letters = await deadLetters();
    expect(letters.items.map((letter) => letter.topic)).toEqual([
      'elevators/CQ-0001/doors',
      'elevators/CQ-0001/faults',
    ]);
    expect(letters.items[0]?.reason).toMatch(/invalid_payload: payload is not valid JSON/);
    expect(letters.items[1]?.reason).toMatch(/invalid_payload: .*ts/);
    expect(letters.items[1]?.payload).toBe('{"ts": "yesterday", "code": 2}');
    expect(device.connected).toBe(true);
    const metrics = await (await fetch(`${system.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lw_dead_letters_total\{reason="invalid_payload"\} 2/);
  });
});

describe('deny by default', () => {
  it.each([
    { refused: 'a wrong token', clientId: 'CQ-0001', username: 'CQ-0001', password: 'wrong', code: 4 },
    { refused: 'an unregistered elevator', clientId: 'NOPE', username: 'NOPE', password: 'x', code: 4 },
    { refused: 'no credentials', clientId: 'CQ-0001', username: undefined, password: undefined, code: 4 },
    { refused: "another elevator's client id", clientId: 'CQ-0002', username: 'CQ-0001', password: 'TOKEN', code: 2 },
  ])('refuses $refused with CONNACK $code', async ({ clientId, username, password, code }) => {
    const options = { clientId, username, password: password === 'TOKEN' ? token : password };
    expect(await refusedWith(system.mqttUrl, options)).toBe(code);
  });

  it("closes a client that publishes to another elevator's topic and stores nothing of it", async () => {
    const device = await connectDevice(system.mqttUrl, 'CQ-0001', token);
    const gone = closed(device);
    device.publish('elevators/CQ-0002/faults', JSON.stringify({ ts, seq: 99, code: 93, floor: 1 }), { qos: 1 });
    await gone;
    await system.ingest.flush();
    expect(await rows("SELECT * FROM faults WHERE elevator = 'CQ-0002'")).toEqual([]);
    expect(await rows('SELECT * FROM faults WHERE seq = 99')).toEqual([]);
  });

  it('grants an elevator its own topics and refuses anything else with SUBACK 128', async () => {
    const device = await connectDevice(system.mqttUrl, 'CQ-0001', token);
    const codes = await subscribeCodes(device, ['elevators/CQ-0001/#', 'elevators/CQ-0002/#', '#', '$SYS/#']);
    expect(codes).toEqual([0, 128, 128, 128]);
  });
});

describe('transports and operations', () => {
  it('accepts MQTT over WebSocket with the same rules', async () => {
    const device = await connectDevice(system.wsUrl, 'CQ-0001', token);
    await publish(device, 'CQ-0001', 'faults', { ts: ts + 20, seq: 20, code: 103, floor: 0 });
    await expect.poll(() => rows('SELECT seq FROM faults WHERE seq = 20')).toHaveLength(1);
    expect(await refusedWith(system.wsUrl, { clientId: 'CQ-0001', username: 'CQ-0001', password: 'x' })).toBe(4);
  });

  it('reports every component up on /api/health and counts on /metrics', async () => {
    const response = await fetch(`${system.httpUrl}/api/health`, {
      headers: { authorization: `Bearer ${system.adminToken}` },
    });
    expect(response.status).toBe(200);
    const health = (await response.json()) as {
      status: string;
      components: Record<string, { status: string; detail?: unknown }>;
    };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.components).sort()).toEqual(['broker', 'influxdb', 'ingest', 'store', 'webhooks']);
    expect(health.components.webhooks).toEqual({ status: 'up', detail: { deliveries: {} } });
    const metrics = await (await fetch(`${system.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lw_messages_received_total\{kind="telemetry"\} [1-9]/);
    expect(metrics).toMatch(/lw_points_written_total [1-9]/);
    expect(metrics).toMatch(/lw_mqtt_auth_failures_total\{return_code="4"\} [1-9]/);
  });
});
