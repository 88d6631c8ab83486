import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-pilot-data-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
let store: Store;
let app: FastifyInstance;
const keys = { picc: '', cpic: '', regulator: '', unit: '' };

async function created(url: string, payload: object) {
  const response = await app.inject({ method: 'POST', url, headers: admin, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
  keys.picc = (await created('/api/insurers', { id: 'INS-PICC', name: '人保财险' })).apiKey;
  keys.cpic = (await created('/api/insurers', { id: 'INS-CPIC', name: '太平洋财险' })).apiKey;
  keys.regulator = (await created('/api/regulators', { id: 'SAMR-CQ', name: '市场监管局' })).apiKey;
  keys.unit = (await created('/api/use-units', { id: 'UU-1', name: '物业一' })).apiKey;
  store.elevators.register(registration('E1', { useUnit: 'UU-1' }), 'h');
  store.elevators.register(registration('E2', { district: '江北区', useUnit: 'UU-2', insurer: 'INS-CPIC' }), 'h');
});
afterEach(async () => {
  await app.close();
  store.close();
});

const policy = (overrides: object = {}) => ({
  elevator: 'E1',
  insurer: 'INS-PICC',
  from: '2026-01-01',
  to: '2026-12-31',
  premiumYuan: 1500,
  premiumSource: 'property-special-maintenance-fund',
  ...overrides,
});
const claim = (overrides: object = {}) => ({
  elevator: 'E1',
  amountYuan: 8000,
  occurredAt: '2026-03-01T10:00:00+08:00',
  reportedAt: '2026-03-01T11:00:00+08:00',
  paidAt: '2026-03-03T11:00:00+08:00',
  ...overrides,
});

const post = (url: string, payload: object, headers = admin) => app.inject({ method: 'POST', url, headers, payload });
const importCsv = (url: string, csv: string, headers = admin) =>
  app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });

/** The error's status, code and message, for one expectation. */
const refusal = (response: Awaited<ReturnType<typeof post>>) => ({ status: response.statusCode, ...response.json() });

describe('POST /api/policies', () => {
  it('stores a policy and lists it', async () => {
    const response = await post('/api/policies', policy({ premiumYuan: '1500.50' }));
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: expect.any(String),
      ...policy({ premiumYuan: 1500.5 }),
      createdAt: expect.any(String),
    });
    const list = (await app.inject({ url: '/api/policies?year=2026&district=渝中区', headers: admin })).json();
    expect(list).toEqual({ items: [response.json()], next: null });
  });

  it.each([
    ['to before from', { from: '2026-06-01', to: '2026-05-31' }, /to: must not be before from/],
    ['a period of more than 5 years', { from: '2026-01-01', to: '2031-01-01' }, /to: must be within 5 years of from/],
    ['an unknown premium source', { premiumSource: 'lottery' }, /premiumSource/],
    ['a premium in thousandths', { premiumYuan: 12.345 }, /premiumYuan: must have at most two decimals/],
    ['no premium', { premiumYuan: 0 }, /premiumYuan/],
    ['an impossible date', { from: '2026-02-30' }, /from/],
  ])('refuses %s with LW_ERR_VALIDATION naming the field', async (_case, overrides, message) => {
    expect(refusal(await post('/api/policies', policy(overrides)))).toMatchObject({
      status: 400,
      code: 'LW_ERR_VALIDATION',
      message: expect.stringMatching(message),
    });
  });

  it('refuses an unknown elevator (404) and a period overlapping another policy of the elevator (409)', async () => {
    expect(refusal(await post('/api/policies', policy({ elevator: 'NOPE' })))).toMatchObject({
      status: 404,
      code: 'LW_ERR_NOT_FOUND',
      message: 'elevator: no elevator NOPE',
    });
    await post('/api/policies', policy());
    expect(refusal(await post('/api/policies', policy({ from: '2026-12-31', to: '2027-12-30' })))).toMatchObject({
      status: 409,
      code: 'LW_ERR_POLICY_OVERLAP',
      message: expect.stringMatching(/^from\/to: elevator E1 already has policy \d+ for 2026-01-01 to 2026-12-31$/),
    });
  });

  it("lets an insurer enter its own elevators' policies only: another's elevator is a 404, another insurer a 403", async () => {
    expect((await post('/api/policies', policy(), bearer(keys.picc))).statusCode).toBe(201);
    const others = await post('/api/policies', policy({ elevator: 'E2' }), bearer(keys.picc));
    expect(refusal(others)).toMatchObject({ status: 404, message: 'elevator: no elevator E2' });
    const forged = await post(
      '/api/policies',
      policy({ insurer: 'INS-CPIC', from: '2027-01-01', to: '2027-12-31' }),
      bearer(keys.picc),
    );
    expect(refusal(forged)).toMatchObject({
      status: 403,
      code: 'LW_ERR_FORBIDDEN',
      message: expect.stringMatching(/^insurer:/),
    });
    for (const key of [keys.regulator, keys.unit]) {
      expect((await post('/api/policies', policy(), bearer(key))).statusCode).toBe(403);
    }
  });

  it('lists each key its own: an insurer its policies, a use unit those of its elevators', async () => {
    await post('/api/policies', policy());
    await post('/api/policies', policy({ elevator: 'E2', insurer: 'INS-CPIC' }));
    const elevators = async (key: string) =>
      (await app.inject({ url: '/api/policies', headers: bearer(key) }))
        .json()
        .items.map((p: { elevator: string }) => p.elevator);
    expect(await elevators(keys.cpic)).toEqual(['E2']);
    expect(await elevators(keys.unit)).toEqual(['E1']);
    expect(await elevators(keys.regulator)).toEqual(['E1', 'E2']);
  });
});

describe('POST /api/claims', () => {
  beforeEach(async () => {
    await post('/api/policies', policy());
    await post('/api/policies', policy({ elevator: 'E2', insurer: 'INS-CPIC' }));
  });

  it("stores a claim under the policy that covered the accident, with that policy's insurer", async () => {
    const response = await post('/api/claims', claim({ amountYuan: 12345.67 }));
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      elevator: 'E1',
      amountYuan: 12345.67,
      occurredAt: '2026-03-01T02:00:00.000Z',
      insurer: 'INS-PICC',
      policy: expect.any(String),
    });
    const list = await app.inject({ url: '/api/claims?year=2026&insurer=INS-PICC', headers: admin });
    expect(list.json().items).toHaveLength(1);
  });

  it.each([
    [
      'reported before it occurred',
      { reportedAt: '2026-03-01T09:59:59+08:00' },
      /reportedAt: must not be before occurredAt/,
    ],
    ['paid before it was reported', { paidAt: '2026-03-01T10:30:00+08:00' }, /paidAt: must not be before reportedAt/],
    ['paid in the future', { paidAt: '2099-01-01T00:00:00+08:00' }, /paidAt: must not be in the future/],
    ['a time without an offset', { occurredAt: '2026-03-01T10:00:00' }, /occurredAt/],
    ['a negative amount', { amountYuan: -5 }, /amountYuan/],
  ])('refuses a claim %s with LW_ERR_VALIDATION naming the field', async (_case, overrides, message) => {
    expect(refusal(await post('/api/claims', claim(overrides)))).toMatchObject({
      status: 400,
      code: 'LW_ERR_VALIDATION',
      message: expect.stringMatching(message),
    });
  });

  it('refuses an accident no policy covered (409), the same accident twice (409) and an unknown elevator (404)', async () => {
    const uncovered = await post('/api/claims', claim({ occurredAt: '2025-12-31T23:00:00+08:00' }));
    expect(refusal(uncovered)).toMatchObject({
      status: 409,
      code: 'LW_ERR_NOT_INSURED',
      message: 'occurredAt: no policy covers E1 on 2025-12-31',
    });
    await post('/api/claims', claim());
    expect(refusal(await post('/api/claims', claim({ amountYuan: 1 })))).toMatchObject({
      status: 409,
      code: 'LW_ERR_DUPLICATE',
    });
    expect(refusal(await post('/api/claims', claim({ elevator: 'NOPE' })))).toMatchObject({ status: 404 });
  });

  it("lets an insurer enter claims on its own elevators only, and list its own; another's elevator is a 404", async () => {
    expect((await post('/api/claims', claim(), bearer(keys.picc))).statusCode).toBe(201);
    expect(refusal(await post('/api/claims', claim({ elevator: 'E2' }), bearer(keys.picc)))).toMatchObject({
      status: 404,
      code: 'LW_ERR_NOT_FOUND',
    });
    expect((await post('/api/claims', claim({ elevator: 'E2' }), bearer(keys.cpic))).statusCode).toBe(201);
    const listed = (await app.inject({ url: '/api/claims', headers: bearer(keys.cpic) })).json().items;
    expect(listed.map((c: { elevator: string }) => c.elevator)).toEqual(['E2']);
    expect((await post('/api/claims', claim(), bearer(keys.regulator))).statusCode).toBe(403);
  });
});

describe('POST /api/satisfaction', () => {
  it('stores survey results of a district or one of its use units; the regulator reads them', async () => {
    expect((await post('/api/satisfaction', { district: '渝中区', period: '2026', percent: 91.5 })).statusCode).toBe(
      201,
    );
    const unit = await post('/api/satisfaction', {
      district: '渝中区',
      useUnit: 'UU-1',
      period: '2026-Q3',
      percent: 88,
    });
    expect(unit.json()).toMatchObject({ district: '渝中区', useUnit: 'UU-1', period: '2026-Q3', percent: 88 });
    const listed = await app.inject({
      url: '/api/satisfaction?year=2026&district=渝中区',
      headers: bearer(keys.regulator),
    });
    expect(listed.json().items.map((s: { useUnit: string | null }) => s.useUnit)).toEqual([null, 'UU-1']);
  });

  it.each([
    [
      { district: '沙坪坝区', period: '2026', percent: 90 },
      404,
      'LW_ERR_NOT_FOUND',
      /^district: no elevator is registered in 沙坪坝区/,
    ],
    [
      { district: '渝中区', useUnit: 'UU-2', period: '2026', percent: 90 },
      404,
      'LW_ERR_NOT_FOUND',
      /^useUnit: UU-2 has no elevator in 渝中区/,
    ],
    [{ district: '渝中区', period: '2026-13', percent: 90 }, 400, 'LW_ERR_VALIDATION', /period: must be a year/],
    [{ district: '渝中区', period: '2027', percent: 90 }, 400, 'LW_ERR_VALIDATION', /period: 2027 has not begun/],
    [{ district: '渝中区', period: '2026', percent: 100.5 }, 400, 'LW_ERR_VALIDATION', /percent/],
  ])('refuses %j with %i %s naming the field', async (body, status, code, message) => {
    expect(refusal(await post('/api/satisfaction', body))).toMatchObject({
      status,
      code,
      message: expect.stringMatching(message),
    });
  });

  it('refuses the same period twice, and is for the admin only', async () => {
    await post('/api/satisfaction', { district: '渝中区', period: '2026', percent: 90 });
    expect(refusal(await post('/api/satisfaction', { district: '渝中区', period: '2026', percent: 80 }))).toMatchObject(
      {
        status: 409,
        code: 'LW_ERR_DUPLICATE',
      },
    );
    const body = { district: '渝中区', period: '2025', percent: 90 };
    for (const key of [keys.picc, keys.regulator, keys.unit])
      expect((await post('/api/satisfaction', body, bearer(key))).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/satisfaction', headers: bearer(keys.unit) })).statusCode).toBe(403);
  });
});

describe('CSV imports', () => {
  const POLICY_HEADER = 'elevator,insurer,from,to,premiumYuan,premiumSource';

  it('imports 97 good policies of 100 rows and reports the 3 bad ones with their line, code and reason', async () => {
    for (let n = 0; n < 100; n++) store.elevators.register(registration(`P${n}`), 'h');
    const rows = Array.from({ length: 100 }, (_, n) => `P${n},INS-PICC,2026-01-01,2026-12-31,${1000 + n},self-funded`);
    rows[9] = 'P9,INS-PICC,2026-01-01,2026-12-31,1009,lottery';
    rows[49] = 'NOPE,INS-PICC,2026-01-01,2026-12-31,1049,donation';
    rows[89] = 'P0,INS-PICC,2026-06-01,2027-05-31,1089,government';
    const response = await importCsv('/api/policies/import', [POLICY_HEADER, ...rows].join('\n'));
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.created).toHaveLength(97);
    expect(report.created[0]).toEqual({ line: 2, id: expect.any(String) });
    expect(report.rejected).toEqual([
      { line: 11, code: 'LW_ERR_VALIDATION', reason: expect.stringMatching(/^premiumSource: /) },
      { line: 51, code: 'LW_ERR_NOT_FOUND', reason: 'elevator: no elevator NOPE' },
      { line: 91, code: 'LW_ERR_POLICY_OVERLAP', reason: expect.stringMatching(/already has policy/) },
    ]);
    expect(store.policies.ofYear(2026)).toHaveLength(97);
  });

  it.each([
    [
      'cut off inside a quoted field',
      `${POLICY_HEADER}\nE1,INS-PICC,2026-01-01,2026-12-31,1500,self-funded\nE2,"INS-CP`,
    ],
    ['lacking a column', 'elevator,insurer,from,to,premiumYuan\nE1,INS-PICC,2026-01-01,2026-12-31,1500'],
  ])('imports nothing from a file %s (LW_ERR_CSV_MALFORMED)', async (_case, csv) => {
    const response = await importCsv('/api/policies/import', csv);
    expect(refusal(response)).toMatchObject({ status: 400, code: 'LW_ERR_CSV_MALFORMED' });
    expect(store.policies.ofYear(2026)).toEqual([]);
  });

  it('imports claims, reporting disordered times, uncovered accidents and duplicates; a BOM is fine', async () => {
    await post('/api/policies', policy());
    const csv = [
      '\uFEFFelevator,amountYuan,occurredAt,reportedAt,paidAt',
      'E1,8000,2026-03-01T10:00:00+08:00,2026-03-01T11:00:00+08:00,2026-03-03T11:00:00+08:00',
      'E1,500,2026-04-01T10:00:00+08:00,2026-04-01T09:00:00+08:00,2026-04-03T11:00:00+08:00',
      'E1,500,2025-04-01T10:00:00+08:00,2025-04-01T11:00:00+08:00,2025-04-03T11:00:00+08:00',
      'E1,9000,2026-03-01T10:00:00+08:00,2026-03-01T11:00:00+08:00,2026-03-05T11:00:00+08:00',
      'E2,100',
    ].join('\r\n');
    const report = (await importCsv('/api/claims/import', csv)).json();
    expect(report.created.map((c: { line: number }) => c.line)).toEqual([2]);
    expect(report.rejected.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [3, 'LW_ERR_VALIDATION'],
      [4, 'LW_ERR_NOT_INSURED'],
      [5, 'LW_ERR_DUPLICATE'],
      [6, 'LW_ERR_VALIDATION'],
    ]);
    expect(report.rejected[0].reason).toBe('reportedAt: must not be before occurredAt');
  });

  it("reports an insurer's rows for elevators it does not insure as not found, and imports survey results", async () => {
    const csv = `${POLICY_HEADER}\nE1,INS-PICC,2026-01-01,2026-12-31,1500,self-funded\nE2,INS-PICC,2026-01-01,2026-12-31,1500,self-funded\n`;
    const report = (await importCsv('/api/policies/import', csv, bearer(keys.picc))).json();
    expect(report.created.map((c: { line: number }) => c.line)).toEqual([2]);
    expect(report.rejected).toEqual([{ line: 3, code: 'LW_ERR_NOT_FOUND', reason: 'elevator: no elevator E2' }]);

    const surveys = 'district,useUnit,period,percent\n渝中区,,2026,90\n渝中区,UU-1,2026-H1,85.5\n江北区,UU-1,2026,70\n';
    const surveyReport = (await importCsv('/api/satisfaction/import', surveys)).json();
    expect(surveyReport.created.map((c: { line: number }) => c.line)).toEqual([2, 3]);
    expect(surveyReport.rejected).toEqual([
      { line: 4, code: 'LW_ERR_NOT_FOUND', reason: 'useUnit: UU-1 has no elevator in 江北区' },
    ]);
    expect((await importCsv('/api/satisfaction/import', surveys, bearer(keys.picc))).statusCode).toBe(403);
  });

  it('answers 415 to an import sent as JSON', async () => {
    const response = await post('/api/claims/import', { elevator: 'E1' });
    expect(refusal(response)).toMatchObject({ status: 415, code: 'LW_ERR_UNSUPPORTED_MEDIA_TYPE' });
  });
});
