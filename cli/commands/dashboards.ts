import fs from 'node:fs';
import { writeDashboards } from '../../dashboards/build.js';
import { hasFigures, loadDashboards, previewDashboard, previewRange, queryWith } from '../../dashboards/preview.js';
import { loadConfig } from '../../config/env.js';
import { previewPage } from '../../console/preview-page.js';
import { isLiftwatchError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import type { Command, Values } from '../command.js';
import { say } from '../print.js';
import { openTelemetry } from '../telemetry.js';
import { UsageError } from '../usage-error.js';

const DEFAULT_PREVIEW_FILE = 'dashboards-preview.html';
const DAY_MS = 86_400_000;

/** An ISO date is a whole Asia/Shanghai day: --from at its start, --to at its end. */
function instant(flag: string, value: Values[string], end: boolean): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00+08:00`) + (end ? DAY_MS : 0);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} takes an ISO date or date-time`);
  return ms;
}

function rangeOption(values: Values) {
  try {
    return previewRange(instant('--from', values.from, false), instant('--to', values.to, true));
  } catch (error) {
    if (isLiftwatchError(error)) throw new UsageError(error.message);
    throw error;
  }
}

function build(values: Values) {
  if (typeof values.out !== 'string') throw new UsageError('dashboards build needs --out DIR');
  for (const file of writeDashboards(values.out)) say(`dashboards build: wrote ${file}`);
}

async function preview(values: Values) {
  const out = typeof values.out === 'string' ? values.out : DEFAULT_PREVIEW_FILE;
  const range = rangeOption(values);
  const config = loadConfig();
  const telemetry = await openTelemetry(config, createLogger(config.logLevel, config.logFormat), { embed: false });
  try {
    const query = queryWith(telemetry.store);
    const previews = [];
    // One dashboard at a time: each already runs all its queries at once.
    for (const dashboard of loadDashboards()) {
      const shown = await previewDashboard(dashboard, query, range);
      const panels = shown.panels.filter((panel) => panel.type !== 'row');
      const empty = panels.filter((panel) => !hasFigures(panel)).length;
      say(`dashboards preview: ${shown.title} (${shown.uid}): ${panels.length} panels, ${empty} without data`);
      previews.push(shown);
    }
    fs.writeFileSync(out, previewPage(previews, new Date()));
    say(`dashboards preview: wrote ${out}`);
  } finally {
    await telemetry.close();
  }
}

export const dashboardsCommand: Command = {
  name: 'dashboards',
  summary:
    'write the Grafana dashboards (fleet health, districts, insurer SLA, contractors, elevator) as JSON, or preview them',
  help: `liftwatch dashboards build --out DIR
  Builds every dashboard from its TypeScript definition (dashboards/src/) and writes one JSON file
  per dashboard, named after its uid, into DIR. The committed copy Grafana provisions from is
  dashboards/generated: after changing a dashboard, run it with --out dashboards/generated.

liftwatch dashboards preview [--out FILE] [--from DATE] [--to DATE]
  Computes every panel of every dashboard from its own queries, as Grafana would, against InfluxDB
  (INFLUX_URL, or the local influxd that \`liftwatch start\` runs), and writes one HTML file with
  the charts and their data in it: open it in a browser, no Grafana or liftwatch needed. Variables
  take their defaults (All, or the first value: the drill-down shows the first elevator); the
  console's /console/dashboards lets you choose them.

Options:
  --out DIR    build: the folder to write into (created if missing)
  --out FILE   preview: the file to write (default ${DEFAULT_PREVIEW_FILE})
  --from DATE  preview: the range's start, an ISO date (from its Asia/Shanghai midnight) or date-time
  --to DATE    preview: the range's end, an ISO date (to the end of that day) or date-time;
               default the last 7 days up to now`,
  options: { out: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    const [action, ...extra] = positionals;
    if (extra.length === 0 && action === 'build') return build(values);
    if (extra.length === 0 && action === 'preview') return preview(values);
    throw new UsageError('use `liftwatch dashboards build --out DIR` or `liftwatch dashboards preview [--out FILE]`');
  },
};
