import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SHEETS } from '../../contract/index.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { FLEET_AS_OF, seedPilotFleet } from '../helpers/pilot-fleet.js';
import { readXlsx, sheetRows } from '../helpers/xlsx.js';

let env: Record<string, string>;
let outDir: string;

beforeAll(() => {
  const dataDir = tempDir();
  const store = openSqliteStore(dataDir);
  seedPilotFleet(store);
  store.close();
  env = { LW_DATA_DIR: dataDir };
  outDir = tempDir();
});

/** `liftwatch report ...` to its end. */
async function report(...args: string[]) {
  const run = runCli(['report', ...args], env);
  const code = await run.exited();
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('liftwatch report pilot', () => {
  it('prints the report as JSON from the store, liftwatch not running', async () => {
    const { code, stdout } = await report('pilot', '--year', '2026', '--as-of', FLEET_AS_OF, '--district', '江北区');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      year: 2026,
      district: '江北区',
      summary: [{ district: '江北区', insuredElevators: 1, satisfactionPercent: 75.8 }],
      elevators: [{ elevator: 'B1', ageYears: 26 }],
    });
  });

  it('writes a table as CSV with a BOM, and both tables as XLSX', async () => {
    const csv = path.join(outDir, 'summary.csv');
    const written = await report(
      'pilot',
      '--year',
      '2026',
      '--as-of',
      FLEET_AS_OF,
      '--format',
      'csv',
      '--table',
      '1',
      '--out',
      csv,
    );
    expect(written.code).toBe(0);
    expect(written.stdout).toBe(`report pilot: 2 districts, 4 insured elevators -> ${csv}\n`);
    const text = fs.readFileSync(csv, 'utf8');
    expect(text.startsWith('\uFEFF附件1,')).toBe(true);
    expect(text).toContain('\r\n保费来源,试点电梯（台）,');
    expect(text).toContain('\r\n自筹/物业专项维修资金/政府财政支持,3,2,2,980.5,1500,7.1346,92.5,渝中区\r\n');

    const xlsx = path.join(outDir, 'report.xlsx');
    expect(
      (await report('pilot', '--year', '2026', '--as-of', FLEET_AS_OF, '--format', 'xlsx', '--out', xlsx)).code,
    ).toBe(0);
    const workbook = await readXlsx(fs.readFileSync(xlsx));
    expect(sheetRows(workbook, REPORT_SHEETS.elevators)).toHaveLength(7);
  });

  it('fills the form’s fields from --filled-by, --filled-on, --contact and --phone', async () => {
    const { code, stdout } = await report(
      ...['pilot', '--year', '2026', '--as-of', FLEET_AS_OF, '--format', 'csv', '--table', '1'],
      ...[
        '--filled-by',
        '江北区市场监督管理局',
        '--filled-on',
        '2026-12-18',
        '--contact',
        '王五',
        '--phone',
        '13800000000',
      ],
    );
    expect(code).toBe(0);
    const lines = stdout.split('\r\n');
    expect(lines[2]).toBe('填报单位：江北区市场监督管理局,,,,,填报时间：2026-12-18,,,');
    expect(lines.at(-2)).toBe('联系人：王五,,,,,联系电话：13800000000,,,');
  });

  it.each([
    [['pilot'], /--year/],
    [['pilot', '--year', '2026', '--format', 'xlsx'], /--out FILE/],
    [['pilot', '--year', '2026', '--format', 'csv'], /table/],
    [['pilot', '--year', 'last'], /year/],
    [['pilot', '--year', '2026', '--filled-on', '15/12/2026'], /filledOn/],
    [['summary', '--year', '2026'], /report pilot/],
  ])('refuses %j with exit code 2 and says why', async (args, message) => {
    const { code, stderr } = await report(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('explains itself with --help', async () => {
    const { code, stdout } = await report('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/liftwatch report pilot --year YYYY/);
  });
});
