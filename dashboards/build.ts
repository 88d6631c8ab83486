import fs from 'node:fs';
import path from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { contractorLeague } from './src/contractor-league.js';
import { districts } from './src/districts.js';
import { elevator } from './src/elevator.js';
import { fleetHealth } from './src/fleet-health.js';
import { insurerSla } from './src/insurer-sla.js';

/** Where the committed dashboards live; Grafana's file provider reads them (docker-compose.yml). */
export const GENERATED_DIR = path.resolve(import.meta.dirname, 'generated');

/** Every dashboard, in the order of the README. */
const BUILDERS = [fleetHealth, districts, insurerSla, contractorLeague, elevator] as const;

export interface BuiltDashboard {
  readonly uid: string;
  readonly file: string;
  /** The dashboard JSON as written, ending in a newline. */
  readonly json: string;
}

/** Panel ids in grid order: Grafana needs them unique within a dashboard and stable between builds. */
function numberPanels(dashboard: Dashboard): Dashboard {
  return { ...dashboard, panels: dashboard.panels?.map((panel, index) => ({ ...panel, id: index + 1 })) };
}

export function buildDashboards(): BuiltDashboard[] {
  return BUILDERS.map((builder) => {
    const dashboard = numberPanels(builder().build());
    if (!dashboard.uid) throw new Error(`dashboard "${dashboard.title}" has no uid`);
    return { uid: dashboard.uid, file: `${dashboard.uid}.json`, json: `${JSON.stringify(dashboard, null, 2)}\n` };
  });
}

/** Writes one JSON file per dashboard into `dir`; returns the paths written. */
export function writeDashboards(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return buildDashboards().map(({ file, json }) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, json);
    return target;
  });
}
