import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../contract/index.js';
import mqtt from 'mqtt';
import { publish } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

let system: TestSystem;
const DAY = Date.parse('2026-11-24T10:00:00+08:00');

beforeAll(async () => {
  system = await startTestSystem();
  const token = await system.register(registration('E1', { useUnit: 'UU-7' }));
  const e1 = await mqtt.connectAsync(system.mqttUrl, {
    clientId: 'E1',
    username: 'E1',
    password: token,
    protocolVersion: 4,
  });
  await system.register(registration('E2', { useUnit: 'UU-7' }));
  await system.register(registration('E3', { useUnit: 'UU-8' }));
  let seq = 0;
  for (const [code, minutes] of [
    [2, 0],
    [2, 30],
    [102, 60],
    [93, 90],
  ] as const) {
    await publish(e1, 'E1', 'faults', { ts: DAY + minutes * 60_000, seq: ++seq, code, floor: 4 });
  }
  await publish(e1, 'E1', 'faults', { ts: DAY - 86_400_000, seq: ++seq, code: 2, floor: 4 });
  await e1.endAsync();
  await system.ingest.flush();
});
afterAll(() => system.stop());

async function call<T>(method: string, path: string, body?: object): Promise<T> {
  const response = await fetch(`${system.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return (await response.json()) as T;
}

describe('digests', () => {
  it('are drafted per use unit for the day before, with faults, tickets, overdue and offline elevators', async () => {
    const drafted = await call<{ items: Digest[] }>('POST', '/api/digests', {
      kind: 'daily',
      at: '2026-11-25T08:00:00+08:00',
    });
    expect(drafted.items.map((digest) => digest.useUnit)).toEqual(['UU-7', 'UU-8']);
    const { items } = await call<{ items: Digest[] }>('GET', '/api/digests?useUnit=UU-7&kind=daily');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      useUnit: 'UU-7',
      kind: 'daily',
      periodStart: '2026-11-23T16:00:00.000Z',
      periodEnd: '2026-11-24T16:00:00.000Z',
      elevators: 2,
      faults: { '2': 2, '102': 1, '93': 1 },
      ticketsOpened: { critical: 1 },
      ticketsOpen: { critical: 1 },
      maintenanceOverdue: [],
      offline: [],
    });
  });

  it('replace an earlier draft of the same period, and keep other kinds apart', async () => {
    await call('POST', '/api/digests', { kind: 'daily', at: '2026-11-25T09:00:00+08:00' });
    await call('POST', '/api/digests', { kind: 'weekly', at: '2026-11-30T08:00:00+08:00' });
    expect((await call<{ items: Digest[] }>('GET', '/api/digests?useUnit=UU-7&kind=daily')).items).toHaveLength(1);
    const weekly = (await call<{ items: Digest[] }>('GET', '/api/digests?useUnit=UU-7&kind=weekly')).items;
    expect(weekly).toMatchObject([{ periodStart: '2026-11-22T16:00:00.000Z', faults: { '2': 3, '102': 1, '93': 1 } }]);
  });
});
