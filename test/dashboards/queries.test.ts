import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDashboards } from '../../dashboards/build.js';
import { evaluatePanel } from '../../dashboards/evaluate.js';
import {
  fieldNames,
  hasValues,
  interpolate,
  intervalFor,
  referencedNames,
  type Selection,
  type Series,
  type TimeRange,
} from '../../dashboards/grafana.js';
import type { BoundQuery } from '../../influx/types.js';
import { busiest, fillDashboardFleet } from '../helpers/dashboard-fleet.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

/**
 * Proof by query: a short simulated run in a real influxd, then every target of every generated
 * dashboard, with Grafana's macros and real variable values, must parse, return data, and give
 * the panel the columns its field config names.
 */

let system: TestSystem;
let range: TimeRange;

beforeAll(async () => {
  system = await startTestSystem();
  range = await fillDashboardFleet(system);
}, 120_000);
afterAll(() => system?.stop());

async function influx({ influxql: query, params }: BoundQuery): Promise<Series[]> {
  const database = system.context.config.influx.db;
  const form = new URLSearchParams({ db: database, q: query, epoch: 'ms', params: JSON.stringify(params) });
  const body = (await (await fetch(`${inject('influxUrl')}/query`, { method: 'POST', body: form })).json()) as {
    error?: string;
    results?: Array<{ error?: string; series?: Series[] }>;
  };
  const error = body.error ?? body.results?.[0]?.error;
  if (error) throw new Error(`InfluxDB refused ${query}: ${error}`);
  return body.results?.[0]?.series ?? [];
}

const dashboards = buildDashboards().map(({ json }) => JSON.parse(json) as Dashboard);

interface Variable {
  name: string;
  query: string;
  multi?: boolean;
}

/**
 * Real values for each variable from its own `SHOW TAG VALUES` (after the variables before it):
 * every value where several may be chosen, and for a single choice (the drill-down's elevator)
 * the one with the most ticket events, so every panel has something to show.
 */
async function selections(dashboard: Dashboard): Promise<Record<string, Selection>> {
  const chosen: Record<string, Selection> = {};
  for (const variable of (dashboard.templating?.list ?? []) as Variable[]) {
    const query = interpolate(variable.query, range, intervalFor(range), chosen);
    const values = (await influx(query)).flatMap((series) => series.values.map((row) => String(row[1])));
    expect(values.length, `${dashboard.uid}: ${query.influxql} gives ${variable.name} no values`).toBeGreaterThan(0);
    if (variable.multi) {
      chosen[variable.name] = { values, multi: true };
      continue;
    }
    const value = (await busiest(system, variable.name, values)) ?? (values[0] as string);
    chosen[variable.name] = { values: [value], multi: false };
  }
  return chosen;
}

async function checkPanel(dashboard: Dashboard, panel: Panel, variables: Record<string, Selection>) {
  const where = `${dashboard.uid} / ${panel.title}`;
  const { queries, expressions, frames } = await evaluatePanel(panel, range, variables, influx);
  for (const [refId, { influxql, frames: answer }] of Object.entries(queries)) {
    expect(answer.some(hasValues), `${where} ${refId}: no data from ${influxql}`).toBe(true);
  }
  for (const [refId, results] of Object.entries(expressions)) {
    const finite = results.flatMap((series) => [...series.points.values()]).filter(Number.isFinite);
    expect(finite.length, `${where} ${refId}: computes nothing`).toBeGreaterThan(0);
  }
  if (panel.transformations?.length)
    expect(frames.some(hasValues), `${where}: empty after its transformations`).toBe(true);
  const names = fieldNames(frames);
  for (const name of referencedNames(panel)) {
    expect([...names], `${where}: its field config names "${name}"`).toContain(name);
  }
}

describe.each(dashboards.map((dashboard) => ({ uid: dashboard.uid as string, dashboard })))('$uid', ({ dashboard }) => {
  let variables: Record<string, Selection>;
  beforeAll(async () => {
    variables = await selections(dashboard);
  });

  const panels = (dashboard.panels ?? []).filter((panel): panel is Panel => panel.type !== 'row');
  it.each(panels.map((panel) => ({ title: panel.title, panel })))(
    '$title: queries parse and return data',
    ({ panel }) => checkPanel(dashboard, panel, variables),
  );
});
