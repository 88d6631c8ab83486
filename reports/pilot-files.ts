import ExcelJS from 'exceljs';
import {
  DISTRICT_SUMMARY_HEADERS,
  INSURED_ELEVATOR_HEADERS,
  PREMIUM_SOURCE_NAMES_ZH,
  REPORT_SHEETS,
  type PilotReport,
  type PremiumSource,
  type ReportFormat,
  type ReportTable,
} from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';

/** Spreadsheet programs read a CSV as UTF-8 (and so show Chinese) only when it starts with this. */
export const UTF8_BOM = '\uFEFF';
/** RFC 4180 ends records with CRLF. */
const CSV_LINE_END = '\r\n';
/** Premium sources share one cell, listed as Chinese lists them. */
const LIST_SEPARATOR = '、';

const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export type Cell = string | number | null;
type Headers = Readonly<Record<string, string>>;

/** A table in its columns' order, each value as a spreadsheet cell; a missing value is an empty cell. */
function table(headers: Headers, rows: ReadonlyArray<Readonly<Record<string, unknown>>>) {
  const keys = Object.keys(headers);
  const cell = (value: unknown): Cell =>
    Array.isArray(value)
      ? value.map((source: PremiumSource) => PREMIUM_SOURCE_NAMES_ZH[source]).join(LIST_SEPARATOR)
      : (value as Cell);
  return {
    header: keys.map((key) => headers[key] as string),
    rows: rows.map((row) => keys.map((key) => cell(row[key]))),
  };
}

const tables = (report: PilotReport) => ({
  '1': table(DISTRICT_SUMMARY_HEADERS, report.summary),
  '2': table(INSURED_ELEVATOR_HEADERS, report.elevators),
});

export function csvField(value: Cell): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One table as CSV: UTF-8 with a BOM, Chinese headers, CRLF line ends. */
export function pilotCsv(report: PilotReport, which: ReportTable): string {
  const { header, rows } = tables(report)[which];
  return UTF8_BOM + [header, ...rows].map((row) => row.map(csvField).join(',') + CSV_LINE_END).join('');
}

/** Number formats by column: money to the yuan in 万元, hours and percent to a tenth. */
const NUMBER_FORMATS: Readonly<Record<string, string>> = {
  claimsPaidWanYuan: '0.0000',
  claimsWanYuan: '0.0000',
  payHoursMin: '0.0',
  payHoursMax: '0.0',
  satisfactionPercent: '0.0',
};
/** Wide enough for the Chinese headers. */
const COLUMN_WIDTH = 20;

function addSheet(workbook: ExcelJS.Workbook, name: string, headers: Headers, content: ReturnType<typeof table>) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = Object.keys(headers).map((key) => {
    const numFmt = NUMBER_FORMATS[key];
    return { key, width: COLUMN_WIDTH, ...(numFmt && { style: { numFmt } }) };
  });
  sheet.addRow(content.header).font = { bold: true };
  sheet.addRows(content.rows);
}

/** Both tables as one workbook, a sheet each. */
export async function pilotXlsx(report: PilotReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'liftwatch';
  const { 1: summary, 2: elevators } = tables(report);
  addSheet(workbook, REPORT_SHEETS.summary, DISTRICT_SUMMARY_HEADERS, summary);
  addSheet(workbook, REPORT_SHEETS.elevators, INSURED_ELEVATOR_HEADERS, elevators);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export interface RenderedReport {
  readonly body: string | Buffer;
  readonly contentType: string;
  /** What to call the file: `pilot-report-2026-table1.csv`. */
  readonly fileName: string;
}

/** The report as a file: JSON, CSV (one table: `table` is required) or XLSX (both). */
export async function renderPilot(
  report: PilotReport,
  format: ReportFormat,
  which?: ReportTable,
): Promise<RenderedReport> {
  const base = ['pilot-report', String(report.year), ...(report.district === null ? [] : [report.district])].join('-');
  const file = (body: string | Buffer, suffix: string) => ({
    body,
    contentType: CONTENT_TYPES[format],
    fileName: `${base}${suffix}.${format}`,
  });
  if (format === 'xlsx') return file(await pilotXlsx(report), '');
  if (format === 'json') return file(`${JSON.stringify(report, null, 2)}\n`, '');
  if (which === undefined) {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      'table: CSV holds one table; ask for table=1 (per district) or 2 (per elevator)',
    );
  }
  return file(pilotCsv(report, which), `-table${which}`);
}
