import type ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISTRICT_SUMMARY_HEADERS,
  INSURED_ELEVATOR_HEADERS,
  REPORT_SHEETS,
  type PilotReport,
} from '../../contract/index.js';
import { buildPilotReport, fullYears } from '../../reports/pilot.js';
import { pilotReportJobs } from '../../reports/pilot-drafts.js';
import { pilotCsv, pilotXlsx, renderPilot } from '../../reports/pilot-files.js';
import { openScratchStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { FLEET_AS_OF, seedPilotFleet } from '../helpers/pilot-fleet.js';
import { readXlsx, sheetRows } from '../helpers/xlsx.js';

let store: Store;
let report: PilotReport;

beforeAll(() => {
  store = openScratchStore();
  seedPilotFleet(store);
  report = buildPilotReport(store, { year: 2026, asOf: FLEET_AS_OF });
});
afterAll(() => store.close());

/**
 * Every cell worked out by hand from test/helpers/pilot-fleet.ts. 渝中区's claims paid in 2026:
 * A1 12,345.67 + 8,000 + 1,000 (paid 2026-01-01 00:10 Shanghai) and A3 50,000 = 71,345.67 yuan,
 * 7.1346 万元 to the yuan; A2's 3,000 was paid in 2027. Satisfaction: the district's own two
 * halves (90, 95) win over its use unit's 60; 江北区 has only use units' (80, 71.5 -> 75.75).
 */
const SUMMARY = [
  {
    district: '江北区',
    premiumSources: ['community-public-income'],
    insuredElevators: 1,
    useUnits: 1,
    insurers: 1,
    premiumMinYuan: 2000,
    premiumMaxYuan: 2000,
    claimsPaidWanYuan: 0,
    satisfactionPercent: 75.8,
  },
  {
    district: '渝中区',
    premiumSources: ['self-funded', 'property-special-maintenance-fund', 'government'],
    insuredElevators: 3,
    useUnits: 2,
    insurers: 2,
    premiumMinYuan: 980.5,
    premiumMaxYuan: 1500,
    claimsPaidWanYuan: 7.1346,
    satisfactionPercent: 92.5,
  },
];

/** Ages on 2026-12-01; A2's policy of the year is the one from July (1,300 yuan, government). */
const ELEVATORS = [
  {
    district: '江北区',
    useUnit: 'UU-C',
    elevator: 'B1',
    ageYears: 26,
    residentsServed: 300,
    insurer: 'INS-PICC',
    premiumYuan: 2000,
    claimsWanYuan: 0,
    payHoursMin: null,
    payHoursMax: null,
  },
  {
    district: '渝中区',
    useUnit: 'UU-A',
    elevator: 'A1',
    ageYears: 16,
    residentsServed: 180,
    insurer: 'INS-PICC',
    premiumYuan: 1500,
    claimsWanYuan: 2.1346,
    payHoursMin: 12.1,
    payHoursMax: 54.5,
  },
  {
    district: '渝中区',
    useUnit: 'UU-A',
    elevator: 'A2',
    ageYears: 9,
    residentsServed: 60,
    insurer: 'INS-CPIC',
    premiumYuan: 1300,
    claimsWanYuan: 0,
    payHoursMin: null,
    payHoursMax: null,
  },
  {
    district: '渝中区',
    useUnit: 'UU-B',
    elevator: 'A3',
    ageYears: 6,
    residentsServed: 0,
    insurer: 'INS-PICC',
    premiumYuan: 980.5,
    claimsWanYuan: 5,
    payHoursMin: 0,
    payHoursMax: 0,
  },
];

describe('the pilot report', () => {
  it('has every cell of both tables as worked out by hand', () => {
    expect(report).toEqual({ year: 2026, district: null, asOf: FLEET_AS_OF, summary: SUMMARY, elevators: ELEVATORS });
  });

  it('takes one district when asked', () => {
    const one = buildPilotReport(store, { year: 2026, district: '江北区', asOf: FLEET_AS_OF });
    expect(one).toEqual({
      year: 2026,
      district: '江北区',
      asOf: FLEET_AS_OF,
      summary: [SUMMARY[0]],
      elevators: [ELEVATORS[0]],
    });
  });

  it('counts a year by the insured of that year: B2 in 2025 with its claim, B1 not yet', () => {
    const earlier = buildPilotReport(store, { year: 2025, district: '江北区', asOf: '2025-12-01' });
    expect(earlier.elevators).toEqual([
      expect.objectContaining({ elevator: 'B2', ageYears: 20, premiumYuan: 900, claimsWanYuan: 0.07, payHoursMin: 48 }),
    ]);
    expect(earlier.summary[0]).toMatchObject({ premiumSources: ['donation'], satisfactionPercent: null });
    expect(buildPilotReport(store, { year: 2030, asOf: '2030-12-01' })).toMatchObject({ summary: [], elevators: [] });
  });

  it.each([
    ['2010-12-01', '2026-12-01', 16],
    ['2016-12-02', '2026-12-01', 9],
    ['2016-12-02', '2026-12-02', 10],
    ['2020-02-29', '2021-02-28', 0],
    ['2020-02-29', '2021-03-01', 1],
    ['2027-01-01', '2026-12-01', 0],
  ])('counts an elevator installed on %s as %s years old on %s', (installed, on, years) => {
    expect(fullYears(installed, on)).toBe(years);
  });
});

describe('the report as files', () => {
  it('writes a CSV of one table: UTF-8 with a BOM, the Chinese headers, CRLF lines', () => {
    const summary = pilotCsv(report, '1');
    expect(summary.startsWith('\uFEFF')).toBe(true);
    expect(summary.slice(1).split('\r\n')).toEqual([
      Object.values(DISTRICT_SUMMARY_HEADERS).join(','),
      '江北区,小区公共收益,1,1,1,2000,2000,0,75.8',
      '渝中区,使用单位自筹、住宅专项维修资金、政府补助,3,2,2,980.5,1500,7.1346,92.5',
      '',
    ]);
    expect(Buffer.from(summary, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const elevators = pilotCsv(report, '2').slice(1).split('\r\n');
    expect(elevators[0]).toBe(
      '区县,使用单位,电梯注册代码,梯龄（年）,服务居民人数（人）,承保机构,保费（元/年）,年度赔付金额（万元）,最短赔付时长（小时）,最长赔付时长（小时）',
    );
    expect(elevators.slice(1, 3)).toEqual([
      '江北区,UU-C,B1,26,300,INS-PICC,2000,0,,',
      '渝中区,UU-A,A1,16,180,INS-PICC,1500,2.1346,12.1,54.5',
    ]);
  });

  it('quotes a CSV field that holds a comma or a quote', () => {
    const odd = { ...report, elevators: [{ ...ELEVATORS[1], useUnit: '物业, "东区"' }] } as PilotReport;
    expect(pilotCsv(odd, '2').split('\r\n')[1]).toBe(
      '渝中区,"物业, ""东区""",A1,16,180,INS-PICC,1500,2.1346,12.1,54.5',
    );
  });

  it('writes an XLSX with both sheets, read back with exceljs: names, headers and every value', async () => {
    const workbook = await readXlsx(await pilotXlsx(report));
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([REPORT_SHEETS.summary, REPORT_SHEETS.elevators]);
    const rows = (name: string) => sheetRows(workbook, name);
    const summary = rows(REPORT_SHEETS.summary);
    expect(summary[0]).toEqual(Object.values(DISTRICT_SUMMARY_HEADERS));
    expect(summary.slice(1)).toEqual([
      ['江北区', '小区公共收益', 1, 1, 1, 2000, 2000, 0, 75.8],
      ['渝中区', '使用单位自筹、住宅专项维修资金、政府补助', 3, 2, 2, 980.5, 1500, 7.1346, 92.5],
    ]);
    const elevators = rows(REPORT_SHEETS.elevators);
    expect(elevators[0]).toEqual(Object.values(INSURED_ELEVATOR_HEADERS));
    // An empty cell reads back as a hole at the end of the row.
    expect(elevators.slice(1)).toEqual([
      ['江北区', 'UU-C', 'B1', 26, 300, 'INS-PICC', 2000, 0],
      ['渝中区', 'UU-A', 'A1', 16, 180, 'INS-PICC', 1500, 2.1346, 12.1, 54.5],
      ['渝中区', 'UU-A', 'A2', 9, 60, 'INS-CPIC', 1300, 0],
      ['渝中区', 'UU-B', 'A3', 6, 0, 'INS-PICC', 980.5, 5, 0, 0],
    ]);
    const claims = (workbook.getWorksheet(REPORT_SHEETS.elevators) as ExcelJS.Worksheet).getCell('H3');
    expect(claims.numFmt).toBe('0.0000');
  });

  it('names the files and asks for the table of a CSV', async () => {
    const one = buildPilotReport(store, { year: 2026, district: '江北区', asOf: FLEET_AS_OF });
    expect(await renderPilot(one, 'csv', '2')).toMatchObject({
      fileName: 'pilot-report-2026-江北区-table2.csv',
      contentType: 'text/csv; charset=utf-8',
    });
    expect((await renderPilot(report, 'xlsx')).fileName).toBe('pilot-report-2026.xlsx');
    await expect(renderPilot(report, 'csv')).rejects.toMatchObject({ code: 'LW_ERR_VALIDATION', message: /^table:/ });
  });
});

describe('the December draft', () => {
  it('runs on 1 December at 08:00 Shanghai and drafts the current year, every district, as of that day', async () => {
    const [job] = pilotReportJobs(store);
    expect(job?.schedule).toBe('0 8 1 12 *');
    const firstOfDecember = new Date('2026-12-01T08:00:00+08:00');
    await job?.run(firstOfDecember);
    const [draft] = store.reports.listPilot({ limit: 10 }).items;
    expect(draft).toMatchObject({
      year: 2026,
      district: null,
      asOf: FLEET_AS_OF,
      createdAt: firstOfDecember.toISOString(),
    });
    expect(store.reports.getPilot(draft?.id ?? '')?.report).toEqual(report);
  });
});
