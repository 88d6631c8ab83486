import type ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import {
  DISTRICT_SUMMARY_HEADERS,
  INSURED_ELEVATOR_HEADERS,
  PREMIUM_SOURCE_NAMES_ZH,
  PREMIUM_SOURCES,
  REPORT_SHEETS,
  type PilotReport,
} from '../../contract/index.js';
import { newApiKey } from '../../api/auth.js';
import { buildPilotReport, fullYears } from '../../reports/pilot.js';
import { pilotReportJobs } from '../../reports/pilot-drafts.js';
import { pilotCsv, pilotXlsx, renderPilot } from '../../reports/pilot-files.js';
import { openScratchStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { FLEET_AS_OF, seedPilotFleet } from '../helpers/pilot-fleet.js';
import { noticeForm } from '../helpers/pilot-notice.js';
import { readXlsx, sheetRows } from '../helpers/xlsx.js';

let store: Store;
let report: PilotReport;

/** Registered names print in the form; a use unit or insurer with none prints its id. */
const PICC_NAME = '人保财险重庆分公司';
const UU_A_NAME = '解放碑物业';

beforeAll(() => {
  store = openScratchStore();
  seedPilotFleet(store);
  store.principals.create({ kind: 'insurer', id: 'INS-PICC', name: PICC_NAME }, newApiKey(), new Date());
  store.principals.create({ kind: 'use-unit', id: 'UU-A', name: UU_A_NAME }, newApiKey(), new Date());
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
    useUnitName: 'UU-C',
    elevator: 'B1',
    ageYears: 26,
    residentsServed: 300,
    insurer: 'INS-PICC',
    insurerName: PICC_NAME,
    premiumYuan: 2000,
    claimsWanYuan: 0,
    payHoursMin: null,
    payHoursMax: null,
  },
  {
    district: '渝中区',
    useUnit: 'UU-A',
    useUnitName: UU_A_NAME,
    elevator: 'A1',
    ageYears: 16,
    residentsServed: 180,
    insurer: 'INS-PICC',
    insurerName: PICC_NAME,
    premiumYuan: 1500,
    claimsWanYuan: 2.1346,
    payHoursMin: 12.1,
    payHoursMax: 54.5,
  },
  {
    district: '渝中区',
    useUnit: 'UU-A',
    useUnitName: UU_A_NAME,
    elevator: 'A2',
    ageYears: 9,
    residentsServed: 60,
    insurer: 'INS-CPIC',
    insurerName: 'INS-CPIC',
    premiumYuan: 1300,
    claimsWanYuan: 0,
    payHoursMin: null,
    payHoursMax: null,
  },
  {
    district: '渝中区',
    useUnit: 'UU-B',
    useUnitName: 'UU-B',
    elevator: 'A3',
    ageYears: 6,
    residentsServed: 0,
    insurer: 'INS-PICC',
    insurerName: PICC_NAME,
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

/** A CSV file's records as its cells, parsed strictly: every record must have the same number of fields. */
const csvRecords = (text: string): string[][] => parse(text, { bom: true });
const SUMMARY_WIDTH = Object.keys(DISTRICT_SUMMARY_HEADERS).length;
const ELEVATOR_WIDTH = Object.keys(INSURED_ELEVATOR_HEADERS).length;
/** A line of the form that holds `cells` from its first column and nothing else. */
const line = (width: number, ...cells: string[]) => [...cells, ...Array<string>(width - cells.length).fill('')];
/** A line of two form fields: one in the first column, one in the middle (Math.ceil(width / 2)). */
const fields = (width: number, left: string, right: string) => {
  const cells = line(width, left);
  cells[Math.ceil(width / 2)] = right;
  return cells;
};

describe('the report in the notice’s own words', () => {
  const attachment1 = noticeForm('附件1');
  const attachment2 = noticeForm('附件2');
  /** Attachment 2's columns of ours: the district, and the ids behind the use unit's and insurer's names. */
  const ATTACHMENT_2_OURS = ['区县', '使用单位编号', '保险机构编号'];
  /** The cells of a form's lines outside its table that hold a field: `填报单位：...`. */
  const fieldLabels = (rows: readonly (readonly unknown[])[]) =>
    rows.flatMap((row) => row.flatMap((cell) => (typeof cell === 'string' && /^[^：]+：/u.exec(cell)?.[0]) || []));

  it('reads both forms from the notice (its headers, titles, fields and premium sources)', () => {
    expect(attachment1.headers).toHaveLength(8);
    expect(attachment2.headers).toHaveLength(9);
    expect(attachment1.fields).toEqual(['填报单位', '填报时间', '联系人', '联系电话']);
    expect(attachment1.printed).toHaveLength(1);
  });

  it('heads the CSV of Attachment 1 with the notice’s title, fields and headers, in its order, 区县 after them', () => {
    const records = csvRecords(pilotCsv(report, '1'));
    expect(records[0]?.[0]).toBe(attachment1.attachment);
    expect(records[1]?.[0]).toBe(attachment1.title);
    expect(records[3]).toEqual([...attachment1.headers, '区县']);
    expect(fieldLabels(records)).toEqual(attachment1.fields.map((field) => `${field}：`));
  });

  it('heads the CSV of Attachment 2 with the notice’s title and headers, in its order, 区县 and the ids after them', () => {
    const records = csvRecords(pilotCsv(report, '2'));
    expect(records[0]?.[0]).toBe(attachment2.attachment);
    expect(records[1]?.[0]).toBe(attachment2.title);
    expect(records[2]).toEqual([...attachment2.headers, ...ATTACHMENT_2_OURS]);
    expect(fieldLabels(records)).toEqual(attachment2.fields.map((field) => `${field}：`));
  });

  it('heads both XLSX sheets the same way', async () => {
    const workbook = await readXlsx(await pilotXlsx(report));
    const summary = sheetRows(workbook, REPORT_SHEETS.summary);
    expect([summary[0]?.[0], summary[1]?.[0], summary[3]]).toEqual([
      attachment1.attachment,
      attachment1.title,
      [...attachment1.headers, '区县'],
    ]);
    expect(fieldLabels(summary)).toEqual(attachment1.fields.map((field) => `${field}：`));
    const elevators = sheetRows(workbook, REPORT_SHEETS.elevators);
    expect([elevators[0]?.[0], elevators[1]?.[0], elevators[2]]).toEqual([
      attachment2.attachment,
      attachment2.title,
      [...attachment2.headers, ...ATTACHMENT_2_OURS],
    ]);
  });

  it('words the premium sources as the notice lists them, joined by its /', () => {
    expect(PREMIUM_SOURCES.map((source) => PREMIUM_SOURCE_NAMES_ZH[source]).join('/')).toBe(attachment1.printed[0]);
  });
});

describe('the report as files', () => {
  it('writes a CSV of Attachment 1 as the form: UTF-8 with a BOM, CRLF lines, the fields left blank to fill in', () => {
    const summary = pilotCsv(report, '1');
    expect(Buffer.from(summary, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(summary.slice(1).split('\r\n')).toEqual([
      '附件1,,,,,,,,',
      '重庆市电梯综合保险试点推进表,,,,,,,,',
      '填报单位：,,,,,填报时间：,,,',
      Object.values(DISTRICT_SUMMARY_HEADERS).join(','),
      '小区公共收益,1,1,1,2000,2000,0,75.8,江北区',
      '自筹/物业专项维修资金/政府财政支持,3,2,2,980.5,1500,7.1346,92.5,渝中区',
      '联系人：,,,,,联系电话：,,,',
      '',
    ]);
  });

  it('fills the form’s fields when given', () => {
    const form = { filledBy: '渝中区市场监督管理局', filledOn: '2026-12-15', contact: '李天平', phone: '023-63557186' };
    const records = csvRecords(pilotCsv(report, '1', form));
    expect(records[2]).toEqual(fields(SUMMARY_WIDTH, '填报单位：渝中区市场监督管理局', '填报时间：2026-12-15'));
    expect(records.at(-1)).toEqual(fields(SUMMARY_WIDTH, '联系人：李天平', '联系电话：023-63557186'));
  });

  it('writes a CSV of Attachment 2 as the form: title, headers, a row per insured elevator', () => {
    const records = csvRecords(pilotCsv(report, '2'));
    expect(records.slice(0, 2)).toEqual([
      line(ELEVATOR_WIDTH, '附件2'),
      line(ELEVATOR_WIDTH, '电梯综合保险试点明细表'),
    ]);
    expect(records[2]).toEqual([
      '使用单位',
      '电梯编号',
      '梯龄（年）',
      '服务居民人数（人/台）',
      '保险机构',
      '单台保费（元/年）',
      '年度理赔金额（万元）',
      '费用最短支付时间（小时）',
      '费用最长支付时间（小时）',
      '区县',
      '使用单位编号',
      '保险机构编号',
    ]);
    expect(records.slice(3)).toEqual([
      ['UU-C', 'B1', '26', '300', PICC_NAME, '2000', '0', '', '', '江北区', 'UU-C', 'INS-PICC'],
      [UU_A_NAME, 'A1', '16', '180', PICC_NAME, '1500', '2.1346', '12.1', '54.5', '渝中区', 'UU-A', 'INS-PICC'],
      [UU_A_NAME, 'A2', '9', '60', 'INS-CPIC', '1300', '0', '', '', '渝中区', 'UU-A', 'INS-CPIC'],
      ['UU-B', 'A3', '6', '0', PICC_NAME, '980.5', '5', '0', '0', '渝中区', 'UU-B', 'INS-PICC'],
    ]);
  });

  it('quotes a CSV field that holds a comma, a semicolon or a quote', () => {
    const odd = {
      ...report,
      elevators: [{ ...ELEVATORS[1], useUnitName: '物业, "东区"', insurerName: '人保;财险' }],
    } as PilotReport;
    expect(pilotCsv(odd, '2').split('\r\n')[3]).toBe(
      '"物业, ""东区""",A1,16,180,"人保;财险",1500,2.1346,12.1,54.5,渝中区,UU-A,INS-PICC',
    );
  });

  it('writes an XLSX with both forms, read back with exceljs: names, titles, headers and every value', async () => {
    const form = { filledBy: '渝中区市场监督管理局', filledOn: '2026-12-15', contact: '李天平', phone: '023-63557186' };
    const workbook = await readXlsx(await pilotXlsx(report, form));
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([REPORT_SHEETS.summary, REPORT_SHEETS.elevators]);
    const rows = (name: string) => sheetRows(workbook, name);
    // An empty cell reads back as a hole, and a row ends at its last value.
    const summary = rows(REPORT_SHEETS.summary);
    expect(summary[0]).toEqual(['附件1']);
    expect(summary[1]).toEqual(['重庆市电梯综合保险试点推进表']);
    expect(summary[2]?.filter(Boolean)).toEqual(['填报单位：渝中区市场监督管理局', '填报时间：2026-12-15']);
    expect(summary[2]?.[Math.ceil(SUMMARY_WIDTH / 2)]).toBe('填报时间：2026-12-15');
    expect(summary[3]).toEqual(Object.values(DISTRICT_SUMMARY_HEADERS));
    expect(summary.slice(4, 6)).toEqual([
      ['小区公共收益', 1, 1, 1, 2000, 2000, 0, 75.8, '江北区'],
      ['自筹/物业专项维修资金/政府财政支持', 3, 2, 2, 980.5, 1500, 7.1346, 92.5, '渝中区'],
    ]);
    expect(summary[6]?.filter(Boolean)).toEqual(['联系人：李天平', '联系电话：023-63557186']);
    expect(summary).toHaveLength(7);
    const elevators = rows(REPORT_SHEETS.elevators);
    expect(elevators.slice(0, 2)).toEqual([['附件2'], ['电梯综合保险试点明细表']]);
    expect(elevators[2]).toEqual(Object.values(INSURED_ELEVATOR_HEADERS));
    expect(elevators.slice(3).map((row) => [...row])).toEqual([
      ['UU-C', 'B1', 26, 300, PICC_NAME, 2000, 0, undefined, undefined, '江北区', 'UU-C', 'INS-PICC'],
      [UU_A_NAME, 'A1', 16, 180, PICC_NAME, 1500, 2.1346, 12.1, 54.5, '渝中区', 'UU-A', 'INS-PICC'],
      [UU_A_NAME, 'A2', 9, 60, 'INS-CPIC', 1300, 0, undefined, undefined, '渝中区', 'UU-A', 'INS-CPIC'],
      ['UU-B', 'A3', 6, 0, PICC_NAME, 980.5, 5, 0, 0, '渝中区', 'UU-B', 'INS-PICC'],
    ]);
    const sheet = workbook.getWorksheet(REPORT_SHEETS.elevators) as ExcelJS.Worksheet;
    expect(sheet.getCell('G5').numFmt).toBe('0.0000');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
  });

  it('names the files and asks for the table of a CSV', async () => {
    const one = buildPilotReport(store, { year: 2026, district: '江北区', asOf: FLEET_AS_OF });
    expect(await renderPilot(one, { format: 'csv', table: '2' })).toMatchObject({
      fileName: 'pilot-report-2026-江北区-table2.csv',
      contentType: 'text/csv; charset=utf-8',
    });
    expect((await renderPilot(report, { format: 'xlsx' })).fileName).toBe('pilot-report-2026.xlsx');
    await expect(renderPilot(report, { format: 'csv' })).rejects.toMatchObject({
      code: 'LW_ERR_VALIDATION',
      message: /^table:/,
    });
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
