import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir } from '../helpers/fixtures.js';

/**
 * Every route of the API, taken from its OpenAPI document so a new route cannot be forgotten,
 * tried with insurer B's key on insurer A's things, and with the regulator's key on every change.
 */
const ADMIN = 'admin-key-of-the-scoping-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const A_ELEVATOR = 'ELEV-OF-INSURER-A';
const A_INSURER = 'INS-ALPHA';
const B_INSURER = 'INS-BRAVO';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

let store: Store;
let app: FastifyInstance;
const keys: Record<'a' | 'b' | 'regulator' | 'unitOfB', string> = { a: '', b: '', regulator: '', unitOfB: '' };
let aTicket = '';
let aKeyId = '';
let aDelivery = '';
let aDraft = '';
let routes: Array<{ method: (typeof METHODS)[number]; path: string }> = [];

async function post(url: string, payload: object) {
  const response = await app.inject({ method: 'POST', url, headers: admin, payload });
  expect(response.statusCode, `${url}: ${response.body}`).toBe(201);
  return response.json();
}

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
  const a = await post('/api/insurers', { id: A_INSURER, name: 'Alpha', webhookUrl: 'http://127.0.0.1:9/alpha' });
  keys.a = a.apiKey;
  aKeyId = a.keyId;
  keys.b = (await post('/api/insurers', { id: B_INSURER, name: 'Bravo' })).apiKey;
  keys.regulator = (await post('/api/regulators', { id: 'SAMR', name: 'Regulator' })).apiKey;
  keys.unitOfB = (await post('/api/use-units', { id: 'UU-BRAVO', name: 'Unit of B' })).apiKey;
  const elevator = store.elevators.register(registration(A_ELEVATOR, { insurer: A_INSURER, useUnit: 'UU-ALPHA' }), 'h');
  store.elevators.register(registration('ELEV-OF-B', { insurer: B_INSURER, useUnit: 'UU-BRAVO' }), 'h');
  const doorLock = { rule: 'door-lock-recurring', severity: 'major', category: 'hazard', title: 'Door lock' } as const;
  aTicket = store.tickets.record(entrapmentTicket(elevator, doorLock), new Date()).ticket.id;
  aDelivery = store.deliveries.list({ limit: 10 }, {}).items[0]!.id;
  // Thresholds of A's own: an override for insurer A and one for A's elevator, beside one for everyone.
  const doorLockRule = 'door-lock-recurring';
  for (const [scope, scopeId] of [
    ['default', ''],
    ['insurer', A_INSURER],
    ['elevator', A_ELEVATOR],
    ['insurer', B_INSURER],
  ] as const) {
    store.ruleConfigs.put({ rule: doorLockRule, scope, scopeId, config: {}, createdBy: 'admin' }, new Date());
  }
  aDraft = store.reports.putPilot(
    { year: 2026, district: null, asOf: '2026-12-01', summary: [], elevators: [] },
    new Date(),
  ).id;
  const document = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, object> };
  routes = Object.entries(document.paths).flatMap(([path, operations]) =>
    METHODS.filter((method) => method in operations).map((method) => ({ method, path })),
  );
});
afterAll(async () => {
  await app.close();
  store.close();
});

/** A's thing for each path parameter. */
function concrete(path: string): string {
  return path
    .replace('/api/tickets/{id}', `/api/tickets/${aTicket}`)
    .replace('{action}', 'ack')
    .replace('/api/elevators/{id}', `/api/elevators/${A_ELEVATOR}`)
    .replace('/api/insurers/{id}', `/api/insurers/${A_INSURER}`)
    .replace('/api/deliveries/{id}', `/api/deliveries/${aDelivery}`)
    .replace('{keyId}', aKeyId)
    .replace('/api/rules/{id}', '/api/rules/door-lock-recurring')
    .replace('/api/reports/pilot/drafts/{id}', `/api/reports/pilot/drafts/${aDraft}`);
}

/** Records of A's elevator, for the routes that enter them (as JSON, or as a CSV import). */
const A_RECORDS: Record<string, Record<string, string | number>> = {
  '/api/policies': {
    elevator: A_ELEVATOR,
    insurer: B_INSURER,
    from: '2026-01-01',
    to: '2026-12-31',
    premiumYuan: 1000,
    premiumSource: 'self-funded',
  },
  '/api/claims': {
    elevator: A_ELEVATOR,
    amountYuan: 10,
    occurredAt: '2026-01-02T00:00:00Z',
    reportedAt: '2026-01-02T00:00:00Z',
    paidAt: '2026-01-02T00:00:00Z',
  },
  '/api/satisfaction': { district: '渝中区', useUnit: 'UU-ALPHA', period: '2026', percent: 50 },
};
const asCsv = (record: Record<string, string | number>) =>
  `${Object.keys(record).join(',')}\n${Object.values(record).join(',')}\n`;

/** A body that passes validation where the route takes one, so the check is the principal, not the schema. */
function bodyFor(method: string, path: string): object | undefined {
  if (method === 'get' || method === 'delete') return undefined;
  if (path === '/api/insurers/{id}') return { name: 'Taken over' };
  if (path === '/api/keys/rotate') return { kind: 'insurer', id: A_INSURER };
  if (path.startsWith('/api/tickets/')) return { note: 'not yours' };
  return A_RECORDS[path] ?? {};
}

/** The request for a route: an import sends A's record as CSV. */
function requestFor(method: string, path: string) {
  const record = A_RECORDS[path.replace(/\/import$/, '')];
  if (path.endsWith('/import') && record) return { payload: asCsv(record), headers: { 'content-type': 'text/csv' } };
  return { payload: bodyFor(method, path), headers: {} };
}

describe('scoped access, every route', () => {
  it('the routes come from the OpenAPI document and include the sensitive ones', () => {
    const listed = routes.map((route) => `${route.method} ${route.path}`);
    for (const expected of [
      'get /api/tickets',
      'get /api/tickets/{id}',
      'post /api/tickets/{id}/{action}',
      'get /api/elevators/{id}',
      'get /api/elevators/{id}/symptoms',
      'get /api/deliveries',
      'post /api/deliveries/{id}/retry',
      'get /api/ticket-events',
    ]) {
      expect(listed).toContain(expected);
    }
  });

  it.each([
    ['insurer B', 'b'],
    ["B's use unit", 'unitOfB'],
  ] as const)(
    "%s can neither read, list nor act on insurer A's tickets, elevators, deliveries or keys",
    async (_, who) => {
      const tried: string[] = [];
      for (const { method, path } of routes) {
        if (path === '/api/ticket-events/live') continue; // a stream: checked through /api/ticket-events
        const { payload, headers } = requestFor(method, path);
        const response = await app.inject({
          method: method.toUpperCase() as 'GET',
          url: concrete(path),
          headers: { authorization: `Bearer ${keys[who]}`, ...headers },
          payload,
        });
        tried.push(`${method} ${path} -> ${response.statusCode}`);
        const what = `${method.toUpperCase()} ${concrete(path)}: ${response.statusCode} ${response.body.slice(0, 200)}`;
        if (path.endsWith('/import') && response.statusCode < 300) {
          // The row is refused as not found; the reason names the elevator B itself sent.
          expect(response.json(), what).toMatchObject({ created: [], rejected: [{ code: 'LW_ERR_NOT_FOUND' }] });
        } else if (response.statusCode < 300) {
          // Allowed routes answer only with B's own things (or nothing of anyone's).
          expect(response.body, what).not.toContain(A_ELEVATOR);
          expect(response.body, what).not.toContain(A_INSURER);
          expect(response.body, what).not.toContain('UU-ALPHA');
        } else if (response.statusCode === 409 && path.startsWith('/api/me/')) {
          // The key was replaced by the loop's own /api/me/keys/rotate: what mints a secret is refused to it.
          expect(response.json().code, what).toBe('LW_ERR_KEY_REPLACED');
        } else {
          expect([401, 403, 404], what).toContain(response.statusCode);
        }
        // A's own ticket is never confirmed to exist: the answer is the one for a ticket that is not there.
        if (path.startsWith('/api/tickets/{id}')) {
          const absent = await app.inject({
            method: method.toUpperCase() as 'GET',
            url: concrete(path).replace(`/api/tickets/${aTicket}`, '/api/tickets/999999'),
            headers: { authorization: `Bearer ${keys[who]}`, ...headers },
            payload,
          });
          expect(response.statusCode, what).toBe(absent.statusCode);
          if (who === 'b') expect(response.statusCode, what).toBe(404);
        }
      }
      expect(tried.length).toBeGreaterThan(15);
      // Nothing of A's changed.
      expect(store.tickets.get(aTicket)?.status).toBe('open');
      expect(store.principals.insurer(A_INSURER)?.name).toBe('Alpha');
      expect((await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${keys.a}` } })).statusCode).toBe(
        200,
      );
      expect(store.deliveries.get(aDelivery, {})?.status).toBe('pending');
      expect(store.policies.list({ limit: 10 }).items).toEqual([]);
    },
  );

  it('insurer A sees and acts on its own ticket; a use unit sees only its own', async () => {
    const a = { authorization: `Bearer ${keys.a}` };
    const list = (await app.inject({ url: '/api/tickets', headers: a })).json();
    expect(list.items.map((ticket: { id: string }) => ticket.id)).toEqual([aTicket]);
    expect((await app.inject({ url: '/api/deliveries', headers: a })).json().items).toHaveLength(1);
    const unit = { authorization: `Bearer ${keys.unitOfB}` };
    expect((await app.inject({ url: '/api/tickets', headers: unit })).json().items).toEqual([]);
    const elevators = (await app.inject({ url: '/api/elevators', headers: unit })).json().items;
    expect(elevators.map((elevator: { id: string }) => elevator.id)).toEqual(['ELEV-OF-B']);
    const acted = await app.inject({ method: 'POST', url: `/api/tickets/${aTicket}/ack`, headers: a });
    expect(acted.statusCode).toBe(200);
    expect(acted.json().acknowledged.by).toBe(`insurer:${A_INSURER}`);
  });

  it("a use unit sees the rule overrides of its own elevators and their insurers, none of another insurer's", async () => {
    const overrides = async (key: string) => {
      const response = await app.inject({ url: '/api/rules', headers: { authorization: `Bearer ${key}` } });
      expect(response.statusCode).toBe(200);
      const rules = response.json() as Array<{ overrides: Array<{ scope: string; scopeId: string }> }>;
      return rules.flatMap((rule) => rule.overrides.map((override) => `${override.scope}:${override.scopeId}`));
    };
    const expected = ['default:', `insurer:${B_INSURER}`];
    expect(await overrides(keys.unitOfB)).toEqual(expected);
    expect(await overrides(keys.b)).toEqual(expected);
    expect(await overrides(keys.a)).toEqual(['default:', `insurer:${A_INSURER}`, `elevator:${A_ELEVATOR}`]);
    const one = await app.inject({
      url: '/api/rules/door-lock-recurring',
      headers: { authorization: `Bearer ${keys.unitOfB}` },
    });
    expect(one.body).not.toContain(A_INSURER);
    expect(await overrides(keys.regulator)).toHaveLength(4);
  });

  it('the regulator reads everything and changes nothing', async () => {
    const regulator = { authorization: `Bearer ${keys.regulator}` };
    const tickets = (await app.inject({ url: '/api/tickets', headers: regulator })).json();
    expect(tickets.items.map((ticket: { elevator: string }) => ticket.elevator)).toContain(A_ELEVATOR);
    const changes = routes.filter(({ method, path }) => method !== 'get' && path !== '/api/me/keys/rotate');
    expect(changes.length).toBeGreaterThan(10);
    const statusBefore = store.tickets.get(aTicket)?.status;
    for (const { method, path } of changes) {
      const { payload, headers } = requestFor(method, path);
      const response = await app.inject({
        method: method.toUpperCase() as 'POST',
        url: concrete(path),
        headers: { ...regulator, ...headers },
        payload,
      });
      expect(response.statusCode, `${method} ${path}: ${response.body}`).toBe(403);
    }
    expect(store.tickets.get(aTicket)?.status).toBe(statusBefore);
  });
});
