import fs from 'node:fs';
import path from 'node:path';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { buildTopic } from '../../contract/index.js';
import { buildDashboards } from '../../dashboards/build.js';
import {
  evaluateMath,
  fieldNames,
  hasValues,
  interpolate,
  intervalFor,
  referencedNames,
  toFrames,
  toNumbers,
  transform,
  type Frame,
  type Selection,
  type Series,
  type TimeRange,
} from '../../dashboards/grafana.js';
import { DATASOURCE, type InfluxQLQuery } from '../../dashboards/targets.js';
import { build as buildFigures } from '../../figures/index.js';
import { shanghaiMonday } from '../../lib/shanghai.js';
import { entrapment } from '../../rules/catalogue/critical.js';
import { build as buildFleet } from '../../simulators/fleet.js';
import { resolveScenario } from '../../simulators/scenario.js';
import { tempDir } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

/**
 * Proof by query: a short simulated run in a real influxd, then every target of every generated
 * dashboard, with Grafana's macros and real variable values, must parse, return data, and give
 * the panel the columns its field config names.
 */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const DAYS = 20;
/** Whole weeks back to a Monday midnight: the same seed then meets the same weekdays, so the same traffic. */
const WEEKS_BACK = 3;

/**
 * Five elevators for twenty days: long enough for a maintenance visit per elevator and for a
 * slipping contractor to go overdue; door-lock wear left unfixed by the poor contractor recurs
 * after its visits; entrapments at many times the real rate so each district sees some.
 */
const scenarioInput = (fromMs: number) => ({
  name: 'dashboards-proof',
  seed: 7,
  from: new Date(fromMs).toISOString(),
  duration: `${DAYS}d`,
  speed: 'max',
  fleet: { elevators: 5 },
  contractors: [
    { id: 'MC-GOOD', share: 0.5, fixChance: 0.9, slipChance: 0, visitMinutes: [35, 60] },
    { id: 'MC-POOR', share: 0.5, fixChance: 0, slipChance: 1, visitMinutes: [12, 25] },
  ],
  degradations: [
    { kind: 'door-lock-wear', share: 0.6, onsetDays: [0, 3], latentDays: [0.5, 1], minorDays: [10, 20] },
    { kind: 'door-operator-wear', share: 0.4, onsetDays: [0, 3] },
  ],
  critical: { entrapment: 15 },
});

let system: TestSystem;
let range: TimeRange;

async function act(ticket: string, ...actions: string[]) {
  for (const action of actions) {
    const response = await fetch(`${system.httpUrl}/api/tickets/${ticket}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.adminToken}` },
    });
    expect(response.status, `${action} on ticket ${ticket}`).toBe(200);
  }
}

/**
 * The insurer's side: entrapments worked through to resolution (on site at once, within their
 * deadline); of the other tickets a third closed as false alarms, a third resolved, a third left open.
 */
async function workTickets() {
  // Open ones only: the scans close some themselves (a visit at last, a terminal back).
  const { items } = system.context.store.tickets.list({ limit: 1000, status: 'open' });
  for (const [index, ticket] of items.entries()) {
    if (ticket.deadlineAt !== null || index % 3 === 1) await act(ticket.id, 'ack', 'dispatch', 'arrive', 'resolve');
    else if (index % 3 === 0) await act(ticket.id, 'ack', 'false-alarm');
  }
}

/**
 * An entrapment as it happens (the simulated ones are weeks old, far past their 30-minute
 * deadline), reached at once: the arrival in time the rescue panels count.
 */
async function liveEntrapment(credentialsFile: string) {
  const tokens = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
  const [elevator, token] = Object.entries(tokens)[0] as [string, string];
  const seqs = await influx(`SELECT max("seq") FROM /.*/ WHERE "elevator" = '${elevator}'`);
  const seq = Math.max(...seqs.map((series) => Number(series.values[0]?.[1]))) + 1;
  const device = await mqtt.connectAsync(system.mqttUrl, {
    clientId: elevator,
    username: elevator,
    password: token,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const fault = { ts: Date.now(), seq, code: [...entrapment.codes][0], floor: 1 };
  await device.publishAsync(buildTopic(elevator, 'faults'), JSON.stringify(fault), { qos: 1 });
  await device.endAsync();
  const ticket = await vi.waitFor(() => {
    const [opened] = system.context.store.tickets.list({
      limit: 1,
      elevator,
      rule: entrapment.id,
      status: 'open',
    }).items;
    if (!opened) throw new Error(`no entrapment ticket for ${elevator} yet`);
    return opened;
  });
  await act(ticket.id, 'ack', 'dispatch', 'arrive', 'resolve');
}

beforeAll(async () => {
  system = await startTestSystem();
  const fromMs = shanghaiMonday(Date.now()) - WEEKS_BACK * WEEK_MS;
  const scenario = resolveScenario(scenarioInput(fromMs));
  const credentialsFile = path.join(tempDir(), 'credentials.json');
  const fleet = buildFleet({
    scenario,
    mqttUrl: system.mqttUrl,
    api: { apiUrl: system.httpUrl, adminToken: system.adminToken },
    credentialsFile,
    logger: system.context.logger,
  });
  await fleet.run();
  await system.ingest.flush();
  await system.rules.scanner.backfill(null, fromMs + DAY_MS, fromMs + scenario.duration, DAY_MS);
  await workTickets();
  await liveEntrapment(credentialsFile);
  // The running figures copy events every second and snapshot the backlog every 5 minutes: do both now.
  const figures = buildFigures({
    store: system.context.store,
    telemetry: system.telemetry.store,
    logger: system.context.logger,
  });
  await figures.copyEvents();
  await figures.writeBacklog();
  range = { fromMs, toMs: Date.now() };
}, 120_000);
afterAll(() => system?.stop());

async function influx(query: string): Promise<Series[]> {
  const database = system.context.config.influx.db;
  const url = `${inject('influxUrl')}/query?${new URLSearchParams({ db: database, q: query, epoch: 'ms' })}`;
  const body = (await (await fetch(url)).json()) as {
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
    expect(values.length, `${dashboard.uid}: ${query} gives ${variable.name} no values`).toBeGreaterThan(0);
    if (variable.multi) {
      chosen[variable.name] = { values, multi: true };
      continue;
    }
    const busiest = await influx(`SELECT count("ticket") FROM "ticket_events" GROUP BY "${variable.name}"`);
    const ranked = busiest
      .map((series) => ({ value: series.tags?.[variable.name] ?? '', events: Number(series.values[0]?.[1]) }))
      .filter(({ value }) => values.includes(value))
      .sort((a, b) => b.events - a.events);
    chosen[variable.name] = { values: [ranked[0]?.value ?? (values[0] as string)], multi: false };
  }
  return chosen;
}

interface Expression {
  refId: string;
  type: string;
  expression: string;
  datasource: { uid: string };
}

async function checkPanel(dashboard: Dashboard, panel: Panel, variables: Record<string, Selection>) {
  const where = `${dashboard.uid} / ${panel.title}`;
  const interval = intervalFor(range, panel.interval);
  const frames: Record<string, Frame[]> = {};
  const targets = (panel.targets ?? []) as unknown as Array<InfluxQLQuery | Expression>;
  for (const target of targets) {
    if (target.datasource.uid !== DATASOURCE.uid) continue;
    const influxql = target as InfluxQLQuery;
    const query = interpolate(influxql.query, range, interval, variables);
    const series = await influx(query);
    frames[influxql.refId as string] = toFrames(influxql, series);
    expect(frames[influxql.refId as string]?.some(hasValues), `${where} ${influxql.refId}: no data from ${query}`).toBe(
      true,
    );
  }
  const shown: Frame[] = [];
  for (const target of targets) {
    if (target.datasource.uid === DATASOURCE.uid) {
      if (!(target as InfluxQLQuery).hide) shown.push(...(frames[target.refId as string] ?? []));
      continue;
    }
    const { refId, type, expression } = target as Expression;
    expect(type, `${where} ${refId}`).toBe('math');
    const inputs = Object.fromEntries(Object.entries(frames).map(([ref, list]) => [ref, toNumbers(list)]));
    const results = evaluateMath(expression, inputs);
    const finite = results.flatMap((series) => [...series.points.values()]).filter(Number.isFinite);
    expect(finite.length, `${where} ${refId}: ${expression} computes nothing`).toBeGreaterThan(0);
  }
  const result = transform(shown, panel.transformations ?? []);
  if (panel.transformations?.length)
    expect(result.some(hasValues), `${where}: empty after its transformations`).toBe(true);
  const names = fieldNames(result);
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
