import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRICT_SUMMARY_HEADERS, INSURED_ELEVATOR_HEADERS, REPORT_SHEETS } from '../../contract/index.js';
import { shanghaiDate } from '../../lib/shanghai.js';
import { buildPilotReport } from '../../reports/pilot.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { tempDir } from '../helpers/fixtures.js';
import { FLEET_AS_OF, seedPilotFleet } from '../helpers/pilot-fleet.js';
import { readXlsx, sheetRows } from '../helpers/xlsx.js';

const ADMIN = 'admin-key-of-the-reports-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const keys = { insurer: '', regulator: '', unit: '' };
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
  const create = async (url: string, id: string) =>
    (await app.inject({ method: 'POST', url, headers: admin, payload: { id, name: id } })).json().apiKey as string;
  keys.insurer = await create('/api/insurers', 'INS-PICC');
  keys.regulator = await create('/api/regulators', 'SAMR-CQ');
  keys.unit = await create('/api/use-units', 'UU-A');
  seedPilotFleet(store);
});
afterAll(async () => {
  await app.close();
  store.close();
});

const get = (url: string, headers: Record<string, string> = admin) => app.inject({ url, headers });
const REPORT = `/api/reports/pilot?year=2026&asOf=${FLEET_AS_OF}`;

describe('GET /api/reports/pilot', () => {
  it('answers JSON: both tables as the report module computes them, for one district when asked', async () => {
    const whole = await get(REPORT, bearer(keys.regulator));
    expect(whole.statusCode).toBe(200);
    expect(whole.json()).toEqual(buildPilotReport(store, { year: 2026, asOf: FLEET_AS_OF }));
    expect(whole.json().elevators.map((row: { elevator: string }) => row.elevator)).toEqual(['B1', 'A1', 'A2', 'A3']);
    const one = (await get(`${REPORT}&district=${encodeURIComponent('渝中区')}`)).json();
    expect(one.summary).toEqual([expect.objectContaining({ district: '渝中区', claimsPaidWanYuan: 7.1346 })]);
    expect(one.elevators).toHaveLength(3);
  });

  it('counts ages to today in Shanghai unless asOf says otherwise', async () => {
    expect((await get('/api/reports/pilot?year=2026')).json().asOf).toBe(shanghaiDate(Date.now()));
  });

  it('gives one table as CSV: UTF-8 with a BOM, Chinese headers, as a download', async () => {
    const response = await get(`${REPORT}&format=csv&table=1`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="pilot-report-2026-table1.csv"; filename*=UTF-8''pilot-report-2026-table1.csv`,
    );
    expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(response.body.slice(1).split('\r\n')[3]).toBe(Object.values(DISTRICT_SUMMARY_HEADERS).join(','));
    const district = await get(`${REPORT}&format=csv&table=2&district=${encodeURIComponent('江北区')}`);
    expect(district.headers['content-disposition']).toBe(
      `attachment; filename="pilot-report-2026-table2.csv"; filename*=UTF-8''${encodeURIComponent('pilot-report-2026-江北区-table2.csv')}`,
    );
    expect(district.body.split('\r\n')[3]).toBe('UU-C,B1,26,300,INS-PICC,2000,0,,,江北区,UU-C,INS-PICC');
  });

  it('fills Attachment 1’s 填报单位, 填报时间, 联系人 and 联系电话 from the query, blank without it', async () => {
    const form = new URLSearchParams({
      filledBy: '渝中区市场监督管理局',
      filledOn: '2026-12-15',
      contact: '李天平',
      phone: '023-63557186',
    });
    const lines = (await get(`${REPORT}&format=csv&table=1&${form}`)).body.split('\r\n');
    expect(lines[2]).toBe('填报单位：渝中区市场监督管理局,,,,,填报时间：2026-12-15,,,');
    expect(lines.at(-2)).toBe('联系人：李天平,,,,,联系电话：023-63557186,,,');
    const blank = (await get(`${REPORT}&format=csv&table=1`)).body.split('\r\n');
    expect([blank[2], blank.at(-2)]).toEqual(['填报单位：,,,,,填报时间：,,,', '联系人：,,,,,联系电话：,,,']);
    const workbook = await readXlsx((await get(`${REPORT}&format=xlsx&${form}`)).rawPayload);
    const summary = sheetRows(workbook, REPORT_SHEETS.summary);
    expect([summary[2], summary.at(-1)].map((row) => row?.filter(Boolean))).toEqual([
      ['填报单位：渝中区市场监督管理局', '填报时间：2026-12-15'],
      ['联系人：李天平', '联系电话：023-63557186'],
    ]);
  });

  it('gives both tables as XLSX sheets', async () => {
    const response = await get(`${REPORT}&format=xlsx`);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = await readXlsx(response.rawPayload);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([REPORT_SHEETS.summary, REPORT_SHEETS.elevators]);
    expect(sheetRows(workbook, REPORT_SHEETS.elevators)[4]).toEqual([
      'UU-A',
      'A1',
      16,
      180,
      'INS-PICC',
      1500,
      2.1346,
      12.1,
      54.5,
      '渝中区',
      'UU-A',
      'INS-PICC',
    ]);
  });

  it.each([
    ['year=2026&format=csv', /table: CSV holds one table/],
    ['format=json', /year/],
    ['year=1999', /year/],
    ['year=2026&format=pdf', /format/],
    ['year=2026&asOf=2026-13-01', /asOf/],
    ['year=2026&format=csv&table=1&filledOn=2026-12-32', /filledOn/],
    ['year=2026&format=csv&table=1&contact=%E6%9D%8E%0D%0A%3D1%2B1', /contact/],
    [`year=2026&format=xlsx&filledBy=${'局'.repeat(129)}`, /filledBy/],
  ])('refuses ?%s with LW_ERR_VALIDATION naming the parameter', async (query, message) => {
    const response = await get(`/api/reports/pilot?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'LW_ERR_VALIDATION', message: expect.stringMatching(message) });
  });

  it('is for the admin and the regulator: an insurer or a use unit gets 403, no key 401', async () => {
    expect((await get(REPORT, bearer(keys.insurer))).statusCode).toBe(403);
    expect((await get(REPORT, bearer(keys.unit))).json()).toMatchObject({ code: 'LW_ERR_FORBIDDEN' });
    expect((await get(REPORT, {})).statusCode).toBe(401);
  });
});

describe('pilot report drafts', () => {
  it('drafts on demand (admin), lists the drafts and serves one in each format', async () => {
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/reports/pilot',
          headers: bearer(keys.regulator),
          payload: { year: 2026 },
        })
      ).statusCode,
    ).toBe(403);
    const drafted = await app.inject({
      method: 'POST',
      url: '/api/reports/pilot',
      headers: admin,
      payload: { year: 2026, asOf: FLEET_AS_OF },
    });
    expect(drafted.statusCode).toBe(201);
    const draft = drafted.json();
    expect(draft).toMatchObject({
      year: 2026,
      district: null,
      asOf: FLEET_AS_OF,
      report: buildPilotReport(store, { year: 2026, asOf: FLEET_AS_OF }),
    });

    const list = (await get('/api/reports/pilot/drafts?year=2026', bearer(keys.regulator))).json();
    expect(list).toEqual({
      items: [{ id: draft.id, year: 2026, district: null, asOf: FLEET_AS_OF, createdAt: draft.createdAt }],
      next: null,
    });
    expect((await get(`/api/reports/pilot/drafts/${draft.id}`, bearer(keys.regulator))).json()).toEqual(draft);
    const csv = await get(`/api/reports/pilot/drafts/${draft.id}?format=csv&table=2`);
    expect(csv.body.split('\r\n')[2]).toBe(Object.values(INSURED_ELEVATOR_HEADERS).join(','));
    const filled = await get(`/api/reports/pilot/drafts/${draft.id}?format=csv&table=1&filledOn=2026-12-15`);
    expect(filled.body.split('\r\n')[2]).toBe('填报单位：,,,,,填报时间：2026-12-15,,,');
    const xlsx = await readXlsx((await get(`/api/reports/pilot/drafts/${draft.id}?format=xlsx`)).rawPayload);
    expect(xlsx.worksheets).toHaveLength(2);

    expect((await get('/api/reports/pilot/drafts/999')).json()).toMatchObject({ code: 'LW_ERR_NOT_FOUND' });
    expect((await get('/api/reports/pilot/drafts', bearer(keys.insurer))).statusCode).toBe(403);
    expect((await get(`/api/reports/pilot/drafts/${draft.id}`, bearer(keys.unit))).statusCode).toBe(403);
  });

  it('is described in the OpenAPI document with its parameters', async () => {
    const doc = (await get('/docs/json', {})).json();
    const names = doc.paths['/api/reports/pilot'].get.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'year',
        'district',
        'asOf',
        'format',
        'table',
        'filledBy',
        'filledOn',
        'contact',
        'phone',
      ]),
    );
    const drafts = doc.paths['/api/reports/pilot/drafts/{id}'].get.parameters.map((p: { name: string }) => p.name);
    expect(drafts).toEqual(expect.arrayContaining(['filledBy', 'filledOn', 'contact', 'phone']));
    expect(doc.paths['/api/policies/import'].post).toBeDefined();
  });
});
