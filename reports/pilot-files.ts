import {
  DISTRICT_SUMMARY_HEADERS,
  INSURED_ELEVATOR_HEADERS,
  PILOT_FORM_FIELDS,
  PILOT_FORMS,
  PREMIUM_SOURCE_NAMES_ZH,
  PREMIUM_SOURCE_SEPARATOR,
  REPORT_SHEETS,
  type PilotFileQuery,
  type PilotFormFields,
  type PilotReport,
  type PremiumSource,
  type ReportFormat,
  type ReportTable,
} from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import {
  CSV_CONTENT_TYPE,
  XLSX_CONTENT_TYPE,
  formCsv,
  formsXlsx,
  type Cell,
  type FormTable,
  type Row,
} from './spreadsheet.js';

/**
 * The report as the notice's forms (附件1, 附件2), the same lines in CSV and XLSX:
 *
 *     附件1
 *     重庆市电梯综合保险试点推进表
 *     填报单位：…            填报时间：…        (Attachment 1 only, as the notice has them)
 *     the headers, the notice's columns first
 *     a row per district (Attachment 1) or per insured elevator (Attachment 2)
 *     联系人：…              联系电话：…        (Attachment 1 only)
 *
 * Each field is one cell, label and value (`填报单位：渝中区市场监督管理局`; the label alone when no
 * value was given), the first in the first column, the second in the middle one, so the file
 * reads like the printed form and a spreadsheet program leaves a phone number as it was typed.
 */

const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: 'application/json; charset=utf-8',
  csv: CSV_CONTENT_TYPE,
  xlsx: XLSX_CONTENT_TYPE,
};

/** Number formats by column: money to the yuan in 万元, hours and percent to a tenth. */
const NUMBER_FORMATS: Readonly<Record<string, string>> = {
  claimsPaidWanYuan: '0.0000',
  claimsWanYuan: '0.0000',
  payHoursMin: '0.0',
  payHoursMax: '0.0',
  satisfactionPercent: '0.0',
};
const TITLE_INDEX = 1;

type Headers = Readonly<Record<string, string>>;
type FieldName = keyof typeof PILOT_FORM_FIELDS;

/** A value as a cell: the premium sources as Attachment 1 words and joins them; a missing value is empty. */
const cell = (value: unknown): Cell =>
  Array.isArray(value)
    ? value.map((source: PremiumSource) => PREMIUM_SOURCE_NAMES_ZH[source]).join(PREMIUM_SOURCE_SEPARATOR)
    : (value as Cell);

/** A line of two fields: the first in the first column, the second in the middle one. */
function fieldLine(width: number, form: PilotFormFields, left: FieldName, right: FieldName): Row {
  const line = Array<Cell>(width).fill(null);
  const field = (name: FieldName) => `${PILOT_FORM_FIELDS[name]}：${form[name] ?? ''}`;
  line[0] = field(left);
  line[Math.ceil(width / 2)] = field(right);
  return line;
}

function pilotForm(
  table: ReportTable,
  headers: Headers,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  fields: PilotFormFields | null,
): FormTable {
  const keys = Object.keys(headers);
  const width = keys.length;
  const { attachment, title } = PILOT_FORMS[table];
  return {
    above: [[attachment], [title], ...(fields ? [fieldLine(width, fields, 'filledBy', 'filledOn')] : [])],
    header: keys.map((key) => headers[key] as string),
    rows: rows.map((row) => keys.map((key) => cell(row[key]))),
    below: fields ? [fieldLine(width, fields, 'contact', 'phone')] : [],
    titleIndex: TITLE_INDEX,
    numberFormats: keys.map((key) => NUMBER_FORMATS[key]),
  };
}

/** Attachment 1 has the form's fields; Attachment 2, as in the notice, only its title. */
const forms = (report: PilotReport, fields: PilotFormFields): Record<ReportTable, FormTable> => ({
  '1': pilotForm('1', DISTRICT_SUMMARY_HEADERS, report.summary, fields),
  '2': pilotForm('2', INSURED_ELEVATOR_HEADERS, report.elevators, null),
});

/** One table as CSV: UTF-8 with a BOM, CRLF line ends, every line as wide as the table. */
export const pilotCsv = (report: PilotReport, which: ReportTable, fields: PilotFormFields = {}): string =>
  formCsv(forms(report, fields)[which]);

/** Both tables as one workbook, a sheet each. */
export async function pilotXlsx(report: PilotReport, fields: PilotFormFields = {}): Promise<Buffer> {
  const { 1: summary, 2: elevators } = forms(report, fields);
  return formsXlsx([
    [REPORT_SHEETS.summary, summary],
    [REPORT_SHEETS.elevators, elevators],
  ]);
}

export interface RenderedReport {
  readonly body: string | Buffer;
  readonly contentType: string;
  /** What to call the file: `pilot-report-2026-table1.csv`. */
  readonly fileName: string;
}

/** The report as a file: JSON, CSV (one table: `table` is required) or XLSX (both), with the form's fields. */
export async function renderPilot(
  report: PilotReport,
  { format, table, ...fields }: PilotFileQuery,
): Promise<RenderedReport> {
  const base = ['pilot-report', String(report.year), ...(report.district === null ? [] : [report.district])].join('-');
  const file = (body: string | Buffer, suffix: string) => ({
    body,
    contentType: CONTENT_TYPES[format],
    fileName: `${base}${suffix}.${format}`,
  });
  if (format === 'xlsx') return file(await pilotXlsx(report, fields), '');
  if (format === 'json') return file(`${JSON.stringify(report, null, 2)}\n`, '');
  if (table === undefined) {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      'table: CSV holds one table; ask for table=1 (per district) or 2 (per elevator)',
    );
  }
  return file(pilotCsv(report, table, fields), `-table${table}`);
}
