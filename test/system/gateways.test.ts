import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUsername, type PayloadInputOf } from '../../contract/index.js';
import { closed, connectDevice, publish, refusedWith } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';
import { within } from '../helpers/within.js';

const ts = Date.parse('2026-11-25T08:00:00+08:00');
/** Long enough for a broker on loopback to act, short enough that a missed notice fails. */
const PROMPTLY_MS = 1000;
const telemetry = (seq: number): PayloadInputOf<'telemetry'> => ({
  ts: ts + seq,
  seq,
  mode: 1,
  floor: 2,
  direction: 0,
  doorState: 2,
  runs: 10,
  runSeconds: 100,
  doorCycles: 11,
});

let system: TestSystem;
const tokens: Record<string, string> = {};

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${system.httpUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${system.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const connectGateway = (id: string) => connectDevice(system.mqttUrl, gatewayUsername(id), tokens[id] as string);

async function points(elevator: string): Promise<number> {
  const series = await system.query(`SELECT count(runs) FROM telemetry WHERE elevator = '${elevator}'`);
  return Number(series[0]?.rows[0]?.count ?? 0);
}

/** The publish is refused: the broker closes the connection and no PUBACK comes. */
async function refused(client: MqttClient, elevator: string, seq: number) {
  const gone = closed(client);
  void publish(client, elevator, 'telemetry', telemetry(seq)).catch(() => undefined);
  await gone;
}

beforeAll(async () => {
  system = await startTestSystem();
  for (const id of ['GW-A', 'GW-B']) {
    const created = await api('POST', '/api/gateways', { id, name: `building ${id}` });
    expect(created.status).toBe(201);
    tokens[id] = created.body.token as string;
  }
  expect((await api('POST', '/api/elevators', registration('GE-1', { gateway: 'GW-A' }))).status).toBe(201);
  expect((await api('POST', '/api/elevators', registration('GE-2', { gateway: 'GW-B' }))).status).toBe(201);
});
afterAll(() => system.stop());

describe('building gateways', () => {
  it('are listed without their tokens, and an id is registered once', async () => {
    const list = await api('GET', '/api/gateways');
    expect(list.body.items).toMatchObject([
      { id: 'GW-A', username: 'gateway:GW-A' },
      { id: 'GW-B', username: 'gateway:GW-B' },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(tokens['GW-A']);
    expect((await api('POST', '/api/gateways', { id: 'GW-A', name: 'again' })).body.code).toBe('LW_ERR_GATEWAY_EXISTS');
  });

  it('connect only with their own token and their username as client id', async () => {
    const username = gatewayUsername('GW-A');
    expect(await refusedWith(system.mqttUrl, { clientId: username, username, password: tokens['GW-B'] })).toBe(4);
    expect(await refusedWith(system.mqttUrl, { clientId: 'GW-A', username, password: tokens['GW-A'] })).toBe(2);
  });

  it("publish for their elevator on the elevator's own topics, and it is stored", async () => {
    const gateway = await connectGateway('GW-A');
    await publish(gateway, 'GE-1', 'telemetry', telemetry(1));
    await expect.poll(() => points('GE-1')).toBe(1);
  });

  it('are refused, with nothing stored, for an elevator that names another gateway', async () => {
    await refused(await connectGateway('GW-A'), 'GE-2', 1);
    expect(await points('GE-2')).toBe(0);
  });

  it('are refused for an elevator once it is moved to another gateway', async () => {
    const moved = await api('PATCH', '/api/elevators/GE-1', { gateway: 'GW-B' });
    expect(moved.body).toMatchObject({ id: 'GE-1', gateway: 'GW-B' });
    await refused(await connectGateway('GW-A'), 'GE-1', 2);
    const other = await connectGateway('GW-B');
    await publish(other, 'GE-1', 'telemetry', telemetry(3));
    await expect.poll(() => points('GE-1')).toBe(2);
  });

  it('are named in a CSV import, an unknown one rejecting its row', async () => {
    const header = 'id,district,useUnit,insurer,contractor,installedOn,residentsServed,gateway';
    const csv = [
      header,
      'GE-3,渝中区,UU-1,INS-A,MC-1,2015-01-01,100,GW-A',
      'GE-4,渝中区,UU-1,INS-A,MC-1,2015-01-01,100,GW-X',
    ];
    const response = await fetch(`${system.httpUrl}/api/elevators/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'text/csv' },
      body: csv.join('\n'),
    });
    const report = (await response.json()) as { created: Array<{ id: string }>; rejected: Array<{ id: string }> };
    expect(report.created.map((row) => row.id)).toEqual(['GE-3']);
    expect(report.rejected).toMatchObject([{ id: 'GE-4', code: 'LW_ERR_VALIDATION' }]);
    expect((await api('GET', '/api/elevators/GE-3')).body.gateway).toBe('GW-A');
  });

  it('may not subscribe, and an elevator keeps its own rules', async () => {
    const elevator = await api('POST', '/api/elevators', registration('GE-5'));
    const device = await connectDevice(system.mqttUrl, 'GE-5', elevator.body.token as string);
    await publish(device, 'GE-5', 'telemetry', telemetry(1));
    await expect.poll(() => points('GE-5')).toBe(1);
    await refused(device, 'GE-1', 4);
  });

  it('a reissued token drops the connected gateway within a second; the old token is refused, the new one works', async () => {
    const gateway = await connectGateway('GW-B');
    const gone = closed(gateway);
    const reissued = await api('POST', '/api/gateways/GW-B/token');
    expect(reissued.status).toBe(200);
    expect(reissued.body).toMatchObject({ id: 'GW-B', username: 'gateway:GW-B', token: expect.any(String) });
    await within(PROMPTLY_MS, gone);
    const username = gatewayUsername('GW-B');
    expect(await refusedWith(system.mqttUrl, { clientId: username, username, password: tokens['GW-B'] })).toBe(4);
    tokens['GW-B'] = reissued.body.token as string;
    const again = await connectGateway('GW-B');
    await publish(again, 'GE-1', 'telemetry', telemetry(5));
    expect((await api('POST', '/api/gateways/GW-NONE/token')).status).toBe(404);
  });

  it('is deleted only once no elevator names it: its connection is dropped and its token refused', async () => {
    const created = await api('POST', '/api/gateways', { id: 'GW-C', name: 'building C' });
    tokens['GW-C'] = created.body.token as string;
    expect((await api('POST', '/api/elevators', registration('GE-6', { gateway: 'GW-C' }))).status).toBe(201);
    const inUse = await api('DELETE', '/api/gateways/GW-C');
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ code: 'LW_ERR_GATEWAY_IN_USE', message: expect.stringContaining('GE-6') });

    const gateway = await connectGateway('GW-C');
    const gone = closed(gateway);
    expect((await api('PATCH', '/api/elevators/GE-6', { gateway: null })).status).toBe(200);
    expect((await api('DELETE', '/api/gateways/GW-C')).status).toBe(204);
    await within(PROMPTLY_MS, gone);
    const username = gatewayUsername('GW-C');
    expect(await refusedWith(system.mqttUrl, { clientId: username, username, password: tokens['GW-C'] })).toBe(4);
    const listed = (await api('GET', '/api/gateways')).body.items as Array<{ id: string }>;
    expect(listed.map((item) => item.id)).not.toContain('GW-C');
    expect((await api('DELETE', '/api/gateways/GW-C')).status).toBe(404);
    // The id is free again.
    expect((await api('POST', '/api/gateways', { id: 'GW-C', name: 'building C, again' })).status).toBe(201);
  });
});
