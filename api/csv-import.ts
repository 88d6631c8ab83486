import { parse } from 'csv-parse/sync';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { RECORD_IMPORT_CODES, type RecordImportReport } from '../contract/index.js';
import { LiftwatchError, isLiftwatchError } from '../lib/errors.js';
import { describeIssues } from '../lib/issues.js';

/** A spreadsheet of a city's records stays well under this. */
const CSV_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

/** Lets the plugin's routes take `text/csv` bodies as one string. */
export function acceptCsv(app: FastifyInstance): void {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, body),
  );
}

export function csvBody(request: FastifyRequest): string {
  if (typeof request.body !== 'string') {
    throw new LiftwatchError('LW_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the CSV with Content-Type: text/csv');
  }
  return request.body;
}

interface CsvRow {
  info: { lines: number };
  record: Record<string, string>;
}

/** The rows of a CSV with a header that has every column; LW_ERR_CSV_MALFORMED (nothing imported) otherwise. */
export function readRows(csv: string, columns: readonly string[]): CsvRow[] {
  let rows: CsvRow[];
  try {
    rows = parse(csv, {
      columns: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      // A short or long row is a bad row (reported), not a bad file.
      relax_column_count: true,
      info: true,
    });
  } catch (error) {
    throw new LiftwatchError(
      'LW_ERR_CSV_MALFORMED',
      `The CSV cannot be parsed, nothing was imported: ${(error as Error).message}`,
    );
  }
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  const missing = columns.filter((column) => !header.includes(column));
  if (rows.length > 0 && missing.length > 0) {
    throw new LiftwatchError(
      'LW_ERR_CSV_MALFORMED',
      `The CSV header lacks ${missing.join(', ')}; nothing was imported`,
    );
  }
  return rows;
}

/** An empty cell is a missing value, so that optional columns may be left blank. */
const withoutBlanks = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ''));

const importCodes: ReadonlySet<string> = new Set(RECORD_IMPORT_CODES);
type Rejection = RecordImportReport['rejected'][number];

function rejection(line: number, error: unknown): Rejection {
  if (!isLiftwatchError(error) || !importCodes.has(error.code)) throw error;
  return { line, code: error.code as Rejection['code'], reason: error.message };
}

export interface RecordKind<Input, Ready, Stored extends { id: string }> {
  readonly schema: z.ZodType<Input>;
  readonly columns: readonly string[];
  /** Checks references and scope; throws a LiftwatchError for a row that must be rejected. */
  prepare(input: Input): Ready;
  /** Stores the rows in one transaction; a row that cannot be stored gives its error. */
  storeAll(rows: readonly Ready[]): Array<Stored | LiftwatchError>;
}

/**
 * Stores every valid row of a CSV and reports each rejected one with its line and reason. A bad
 * row never stops the good ones; a file that cannot be parsed imports nothing.
 */
export function importRecords<Input, Ready, Stored extends { id: string }>(
  csv: string,
  kind: RecordKind<Input, Ready, Stored>,
): RecordImportReport {
  const rejected: Rejection[] = [];
  const ready: Array<{ line: number; row: Ready }> = [];
  for (const { info, record } of readRows(csv, kind.columns)) {
    const parsed = kind.schema.safeParse(withoutBlanks(record));
    if (!parsed.success) {
      const reason = describeIssues(parsed.error).replaceAll('\n', '; ');
      rejected.push({ line: info.lines, code: 'LW_ERR_VALIDATION', reason });
      continue;
    }
    try {
      ready.push({ line: info.lines, row: kind.prepare(parsed.data) });
    } catch (error) {
      rejected.push(rejection(info.lines, error));
    }
  }
  const created: RecordImportReport['created'] = [];
  kind.storeAll(ready.map(({ row }) => row)).forEach((result, index) => {
    const line = (ready[index] as { line: number }).line;
    if (isLiftwatchError(result)) rejected.push(rejection(line, result));
    else created.push({ line, id: result.id });
  });
  rejected.sort((a, b) => a.line - b.line);
  return { created, rejected };
}
