import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ALL_VALUES,
  DEFAULT_PREVIEW_DAYS,
  MAX_PREVIEW_DAYS,
  type DashboardPreview,
  type DashboardSummary,
  type PreviewPanel,
  type PreviewVariable,
} from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import { LiftwatchError } from '../lib/errors.js';
import { buildDashboards } from './build.js';
import { display } from './display.js';
import { evaluatePanel, type Query } from './evaluate.js';
import { interpolate, intervalFor, type Selection, type TimeRange } from './grafana.js';

/**
 * The generated dashboards computed without Grafana, for people who have none: each panel from
 * its own queries against liftwatch's InfluxDB (dashboards/evaluate.ts), with the variables chosen
 * as Grafana would offer them. `GET /api/dashboards/:uid` and `liftwatch dashboards preview` serve it.
 */

const DAY_MS = 86_400_000;

/** The dashboards Grafana provisions, as objects: what `dashboards/generated/` holds. */
export function loadDashboards(): Dashboard[] {
  return buildDashboards().map(({ json }) => JSON.parse(json) as Dashboard);
}

export function summaryOf(dashboard: Dashboard): DashboardSummary {
  return {
    uid: dashboard.uid ?? '',
    title: dashboard.title ?? '',
    description: dashboard.description ?? '',
    panels: (dashboard.panels ?? []).filter((panel) => panel.type !== 'row').length,
  };
}

/** Whether a computed panel has a value to show (a panel without is drawn as "no data"). */
export const hasFigures = (panel: PreviewPanel) =>
  panel.frames.some((frame) =>
    frame.fields.some((field) => field.name !== 'Time' && field.values.some((value) => value !== null)),
  );

/** InfluxQL through liftwatch's store, its rows as the columns and values Grafana's data source reads. */
export const queryWith =
  (telemetry: TelemetryStore): Query =>
  async ({ influxql, params }) =>
    (await telemetry.query(influxql, params)).map(({ name, tags, rows }) => {
      const columns = Object.keys(rows[0] ?? {});
      return { name, tags, columns, values: rows.map((row) => columns.map((column) => row[column] ?? null)) };
    });

/** `from` and `to` (epoch ms, either may be missing): by default the last 7 days, as the dashboards open. */
export function previewRange(from: number | undefined, to: number | undefined, now = Date.now()): TimeRange {
  const toMs = to ?? now;
  const fromMs = from ?? toMs - DEFAULT_PREVIEW_DAYS * DAY_MS;
  if (!(fromMs < toMs)) throw new LiftwatchError('LW_ERR_VALIDATION', 'from must come before to');
  if (toMs - fromMs > MAX_PREVIEW_DAYS * DAY_MS)
    throw new LiftwatchError('LW_ERR_VALIDATION', `The range may be at most ${MAX_PREVIEW_DAYS} days`);
  return { fromMs, toMs };
}

/** Values asked for, by variable name; a variable left out gets Grafana's default. */
export type Requested = Readonly<Record<string, readonly string[]>>;

/**
 * A variable's selection: All when it has All and nothing of its values was asked for (Grafana's
 * default here), else the values asked for, else its first value.
 */
function choose(variable: VariableModel, options: readonly string[], asked: readonly string[]) {
  const wanted = options.filter((option) => asked.includes(option));
  const all = Boolean(variable.includeAll) && (asked.includes(ALL_VALUES) || wanted.length === 0);
  if (all) {
    // Grafana writes a custom all value as it is (`.*`), not as an escaped list of every value.
    const selection: Selection =
      variable.allValue === undefined
        ? { values: options, multi: true }
        : { values: [variable.allValue], multi: false };
    return { all, selected: [], selection };
  }
  const selected = variable.multi ? wanted : wanted.slice(0, 1);
  if (selected.length === 0 && options[0] !== undefined) selected.push(options[0]);
  return { all, selected, selection: { values: selected, multi: Boolean(variable.multi) } };
}

/** Each variable's values from its `SHOW TAG VALUES`, in order: a variable's query may use those before it. */
async function chooseVariables(dashboard: Dashboard, range: TimeRange, query: Query, requested: Requested) {
  const selections: Record<string, Selection> = {};
  const variables: PreviewVariable[] = [];
  for (const variable of dashboard.templating.list ?? []) {
    const bound = interpolate(String(variable.query ?? ''), range, intervalFor(range), selections);
    const answer = await query(bound).catch((error: unknown) => {
      throw new LiftwatchError('LW_ERR_INFLUX_UNAVAILABLE', `InfluxDB did not list ${variable.name}`, { cause: error });
    });
    const options = [...new Set(answer.flatMap((series) => series.values.map((row) => String(row[1]))))];
    const { all, selected, selection } = choose(variable, options, requested[variable.name] ?? []);
    selections[variable.name] = selection;
    variables.push({
      name: variable.name,
      label: variable.label ?? variable.name,
      multi: Boolean(variable.multi),
      includeAll: Boolean(variable.includeAll),
      options,
      all,
      selected,
    });
  }
  return { selections, variables };
}

/** Titles name variables (`$elevator`): Grafana shows their values there as text. */
function titleText(title: string, variables: readonly PreviewVariable[]): string {
  return title.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const variable = variables.find(({ name }) => name === (braced ?? bare));
    if (!variable) return whole;
    return variable.all ? 'All' : variable.selected.join(' + ');
  });
}

async function previewPanel(
  panel: Panel | RowPanel,
  range: TimeRange,
  selections: Readonly<Record<string, Selection>>,
  variables: readonly PreviewVariable[],
  query: Query,
): Promise<PreviewPanel> {
  const { x, y, w, h } = panel.gridPos ?? { x: 0, y: 0, w: 0, h: 0 };
  const base = {
    id: panel.id ?? 0,
    type: panel.type,
    title: titleText(panel.title ?? '', variables),
    description: (panel as Panel).description ?? '',
    gridPos: { x, y, w, h },
  };
  if (panel.type === 'row') return { ...base, frames: [] };
  try {
    const { frames } = await evaluatePanel(panel as Panel, range, selections, query);
    return { ...base, ...display(panel as Panel, frames) };
  } catch (error) {
    // One panel's failure is shown in that panel, as Grafana does; the others still draw.
    return { ...base, frames: [], error: (error as Error).message };
  }
}

/** Every panel of `dashboard` over `range`, its panels (and each panel's queries) computed at once. */
export async function previewDashboard(
  dashboard: Dashboard,
  query: Query,
  range: TimeRange,
  requested: Requested = {},
): Promise<DashboardPreview> {
  const { selections, variables } = await chooseVariables(dashboard, range, query, requested);
  const panels = await Promise.all(
    (dashboard.panels ?? []).map((panel) => previewPanel(panel, range, selections, variables, query)),
  );
  const { uid, title, description } = summaryOf(dashboard);
  return {
    uid,
    title,
    description,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    variables,
    panels,
  };
}
