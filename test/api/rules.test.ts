import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { RuleConfigs } from '../../rules/config.js';
import { doorLockRecurring } from '../../rules/catalogue/detectors.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-rules-test';
const auth = { authorization: `Bearer ${ADMIN}` };
let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
});
afterEach(async () => {
  await app.close();
  store.close();
});

const put = (rule: string, body: unknown) =>
  app.inject({ method: 'PUT', url: `/api/rules/${rule}/config`, headers: auth, payload: body as object });

describe('rule routes', () => {
  it('list the catalogue with defaults', async () => {
    const rules = (await app.inject({ url: '/api/rules', headers: auth })).json();
    expect(rules.map((rule: { id: string }) => rule.id)).toEqual(
      expect.arrayContaining(['critical-entrapment', 'door-lock-recurring', 'repeat-after-maintenance']),
    );
    const lock = (await app.inject({ url: '/api/rules/door-lock-recurring', headers: auth })).json();
    expect(lock).toMatchObject({
      kind: 'detector',
      codes: [100],
      defaults: { landingCount: 2, landingDays: 7, falseAlarmYears: 100, rateRatios: [2, 8, 50] },
      overrides: [],
    });
  });

  it('store overrides per insurer and per elevator as versions, the narrowest winning', async () => {
    expect(
      (await put('door-lock-recurring', { scope: 'insurer', id: 'INS-PICC', config: { landingCount: 4 } })).json(),
    ).toMatchObject({
      version: 1,
      scope: 'insurer',
      scopeId: 'INS-PICC',
    });
    expect(
      (await put('door-lock-recurring', { scope: 'elevator', id: 'E2', config: { landingCount: 2 } })).json().version,
    ).toBe(2);
    expect(
      (await put('door-lock-recurring', { scope: 'insurer', id: 'INS-PICC', config: { landingCount: 5 } })).json()
        .version,
    ).toBe(3);
    const configs = new RuleConfigs(store.ruleConfigs);
    const e1 = store.elevators.register(registration('E1'), 'h');
    const e2 = store.elevators.register(registration('E2'), 'h');
    const other = store.elevators.register(registration('E3', { insurer: 'INS-CPIC' }), 'h');
    expect(configs.effective(doorLockRecurring, e1)).toEqual({
      config: { ...doorLockRecurring.defaults, landingCount: 5 },
      version: 3,
      runs: true,
    });
    expect(configs.effective(doorLockRecurring, e2).config).toMatchObject({ landingCount: 2 });
    expect(configs.effective(doorLockRecurring, other)).toEqual({
      config: doorLockRecurring.defaults,
      version: 0,
      runs: true,
    });
    const listed = (await app.inject({ url: '/api/rules/door-lock-recurring', headers: auth })).json();
    expect(listed.overrides.map((o: { version: number }) => o.version)).toEqual([2, 3]);
  });

  it('refuse an invalid config naming the field, an unknown field, and a scope without its id', async () => {
    const bad = await put('door-lock-recurring', { scope: 'default', config: { landingCount: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      code: 'LW_ERR_VALIDATION',
      message: expect.stringMatching(/landingCount: Too small/),
    });
    expect((await put('door-lock-recurring', { scope: 'default', config: { colour: 'red' } })).json().message).toMatch(
      /colour/,
    );
    expect((await put('door-lock-recurring', { scope: 'insurer', config: { landingCount: 4 } })).statusCode).toBe(400);
  });

  it('answer 404 for an unknown rule', async () => {
    const response = await app.inject({ url: '/api/rules/no-such-rule', headers: auth });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'LW_ERR_NOT_FOUND', message: 'No rule no-such-rule' });
    expect((await put('no-such-rule', { scope: 'default', config: {} })).statusCode).toBe(404);
  });
});
