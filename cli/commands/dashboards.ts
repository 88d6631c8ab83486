import { writeDashboards } from '../../dashboards/build.js';
import type { Command } from '../command.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';

export const dashboardsCommand: Command = {
  name: 'dashboards',
  summary: 'write the Grafana dashboards (fleet health, districts, insurer SLA, contractors, elevator) as JSON',
  help: `liftwatch dashboards build --out DIR
  Builds every dashboard from its TypeScript definition (dashboards/src/) and writes one JSON file
  per dashboard, named after its uid, into DIR. The committed copy Grafana provisions from is
  dashboards/generated: after changing a dashboard, run it with --out dashboards/generated.

Options:
  --out DIR   the folder to write into (created if missing)`,
  options: { out: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    const [action, ...extra] = positionals;
    if (action !== 'build' || extra.length > 0) throw new UsageError('use `liftwatch dashboards build --out DIR`');
    if (typeof values.out !== 'string') throw new UsageError('dashboards build needs --out DIR');
    const files = writeDashboards(values.out);
    for (const file of files) say(`dashboards build: wrote ${file}`);
  },
};
