import ExcelJS from 'exceljs';

/**
 * Every CSV and XLSX file liftwatch writes goes through here, so that no text in them can run as a
 * formula when a spreadsheet program opens it (CSV injection, OWASP): a report prints registry
 * labels that anyone with an import can choose.
 */

/** A spreadsheet cell: text, a number, or nothing (an empty cell). */
export type Cell = string | number | null;
export type Row = readonly Cell[];

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Spreadsheet programs read a CSV as UTF-8 (and so show Chinese) only when it starts with this. */
export const UTF8_BOM = '\uFEFF';
/** RFC 4180 ends records with CRLF. */
const CSV_LINE_END = '\r\n';

/**
 * Text a spreadsheet program may take for a formula: OWASP's rule (a first character of =, +, -, @,
 * tab or CR), also after leading whitespace or invisible format characters (a program that trims
 * on import, or a zero-width space before `=`), and with the full-width ＝＋－＠ that Chinese input
 * methods type and that spreadsheet programs may turn into the ASCII ones when a cell is edited.
 */
const FORMULA_START = /^(?:[\t\r]|[\s\p{Cf}]*[=+\-@＝＋－＠])/u;
/** OWASP's prefix: what follows it is text to Excel, LibreOffice and WPS. */
const TEXT_PREFIX = "'";

/** Text as a cell that no spreadsheet program runs: behind a single quote when it could start a formula. */
export const neutralise = (text: string): string => (FORMULA_START.test(text) ? TEXT_PREFIX + text : text);

/** A cell ready to write: text neutralised; numbers stay numbers, negative ones too. */
export const safeCell = (value: Cell): Cell => (typeof value === 'string' ? neutralise(value) : value);

/**
 * One CSV field. Quoted when it holds a quote, a line break, a comma, or a semicolon: the field
 * separator of Excel in locales whose decimal mark is a comma, where an unquoted `a;=1+1` would
 * split into a second cell that begins with `=`.
 */
export function csvField(value: Cell): string {
  const cell = safeCell(value);
  const text = cell === null ? '' : String(cell);
  return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV: UTF-8 with a BOM, CRLF line ends, every record as wide as the widest (RFC 4180). */
export function toCsv(rows: readonly Row[]): string {
  const width = Math.max(0, ...rows.map((row) => row.length));
  const record = (row: Row) => [...row, ...Array<Cell>(width - row.length).fill(null)].map(csvField).join(',');
  return UTF8_BOM + rows.map((row) => record(row) + CSV_LINE_END).join('');
}

/** A table as a form prints it: lines above it (title, fields), its column headers, its rows, lines below. */
export interface FormTable {
  readonly above: readonly Row[];
  readonly header: readonly string[];
  readonly rows: readonly Row[];
  readonly below: readonly Row[];
  /** Index in `above` of the title, centred across the table in XLSX. */
  readonly titleIndex?: number;
  /** Each column's number format in XLSX, in column order; undefined: General. */
  readonly numberFormats?: readonly (string | undefined)[];
}

export const formCsv = (form: FormTable): string => toCsv([...form.above, form.header, ...form.rows, ...form.below]);

/** Wide enough for the Chinese headers, which wrap. */
const COLUMN_WIDTH = 16;
const TITLE_FONT = { bold: true, size: 16 };
const THIN: Partial<ExcelJS.Border> = { style: 'thin' };
const GRID: Partial<ExcelJS.Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/** exceljs writes a string as text and a number as a number: never a formula, which takes an object. */
function writeRow(sheet: ExcelJS.Worksheet, row: Row, width: number, numberFormats: FormTable['numberFormats']) {
  const written = sheet.addRow(row.map(safeCell));
  for (let column = 1; column <= width; column += 1) {
    const cell = written.getCell(column);
    const format = numberFormats?.[column - 1];
    if (format && typeof cell.value === 'number') cell.numFmt = format;
  }
  return written;
}

function addForm(workbook: ExcelJS.Workbook, name: string, form: FormTable) {
  const width = form.header.length;
  const headerRow = form.above.length + 1;
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: headerRow }],
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = form.header.map(() => ({ width: COLUMN_WIDTH }));
  form.above.forEach((row, index) => {
    const written = writeRow(sheet, row, width, undefined);
    if (index !== form.titleIndex) return;
    written.font = TITLE_FONT;
    for (let column = 1; column <= width; column += 1)
      written.getCell(column).alignment = { horizontal: 'centerContinuous', vertical: 'middle' };
  });
  const header = writeRow(sheet, form.header, width, undefined);
  header.font = { bold: true };
  header.alignment = { wrapText: true, horizontal: 'center', vertical: 'middle' };
  const table = [header, ...form.rows.map((row) => writeRow(sheet, row, width, form.numberFormats))];
  for (const row of table) for (let column = 1; column <= width; column += 1) row.getCell(column).border = GRID;
  for (const row of form.below) writeRow(sheet, row, width, undefined);
}

/** Forms as one workbook, a sheet each, by sheet name. */
export async function formsXlsx(sheets: ReadonlyArray<readonly [name: string, form: FormTable]>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'liftwatch';
  for (const [name, form] of sheets) addForm(workbook, name, form);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
