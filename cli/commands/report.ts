import fs from 'node:fs';
import { pilotReportQuerySchema } from '../../contract/index.js';
import { loadConfig } from '../../config/env.js';
import { describeIssues } from '../../lib/issues.js';
import { shanghaiDate } from '../../lib/shanghai.js';
import { buildPilotReport } from '../../reports/pilot.js';
import { renderPilot } from '../../reports/pilot-files.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Command, Values } from '../command.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';

/** The options as `GET /api/reports/pilot` takes them, checked by the same schema. */
function pilotQuery(values: Values) {
  const parsed = pilotReportQuerySchema.safeParse({
    year: values.year,
    district: values.district,
    asOf: values['as-of'],
    format: values.format,
    table: values.table,
    filledBy: values['filled-by'],
    filledOn: values['filled-on'],
    contact: values.contact,
    phone: values.phone,
  });
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error));
  return parsed.data;
}

async function pilot(values: Values) {
  if (values.year === undefined) throw new UsageError('report pilot needs --year YYYY');
  const { year, district, asOf, ...file } = pilotQuery(values);
  const { format, table } = file;
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (format === 'xlsx' && out === undefined) throw new UsageError('--format xlsx writes a file: add --out FILE');
  if (format === 'csv' && table === undefined) throw new UsageError('CSV holds one table: add --table 1 or --table 2');
  const store = openSqliteStore(loadConfig().dataDir);
  try {
    const report = buildPilotReport(store, { year, district, asOf: asOf ?? shanghaiDate(Date.now()) });
    const { body } = await renderPilot(report, file);
    if (out === undefined) return void process.stdout.write(body);
    fs.writeFileSync(out, body);
    say(`report pilot: ${report.summary.length} districts, ${report.elevators.length} insured elevators -> ${out}`);
  } finally {
    store.close();
  }
}

export const reportCommand: Command = {
  name: 'report',
  summary: "the regulator's yearly pilot report, from the store in LW_DATA_DIR",
  help: `liftwatch report pilot --year YYYY [--district D] [--as-of YYYY-MM-DD] [--format json|csv|xlsx]
                        [--table 1|2] [--out FILE]
                        [--filled-by TEXT] [--filled-on YYYY-MM-DD] [--contact NAME] [--phone PHONE]
  Attachment 1 (per district) and Attachment 2 (per insured elevator) of the year, as
  GET /api/reports/pilot gives them: JSON (the default), CSV of one table (--table 1 or 2,
  UTF-8 with a BOM) or XLSX with both sheets (needs --out), laid out as the notice's forms.
  Attachment 1's 填报单位, 填报时间, 联系人 and 联系电话 print what --filled-by, --filled-on,
  --contact and --phone give, or stay blank to fill in. Ages are counted to --as-of
  (default today, Asia/Shanghai). Reads the store directly: liftwatch need not be running.`,
  options: {
    year: { type: 'string' },
    district: { type: 'string' },
    'as-of': { type: 'string' },
    format: { type: 'string' },
    table: { type: 'string' },
    out: { type: 'string' },
    'filled-by': { type: 'string' },
    'filled-on': { type: 'string' },
    contact: { type: 'string' },
    phone: { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    if (positionals.length === 1 && positionals[0] === 'pilot') return pilot(values);
    throw new UsageError('use `liftwatch report pilot --year YYYY`');
  },
};
