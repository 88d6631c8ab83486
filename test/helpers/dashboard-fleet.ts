import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { expect, vi } from 'vitest';
import { buildTopic } from '../../contract/index.js';
import type { TimeRange } from '../../dashboards/grafana.js';
import { build as buildFigures } from '../../figures/index.js';
import { shanghaiMonday } from '../../lib/shanghai.js';
import { entrapment } from '../../rules/catalogue/critical.js';
import { build as buildFleet } from '../../simulators/fleet.js';
import { resolveScenario } from '../../simulators/scenario.js';
import { tempDir } from './fixtures.js';
import type { TestSystem } from './system.js';

/**
 * What every dashboard panel needs to show something: a short simulated run (the simulator,
 * a fixed seed) in a test system's influxd, its tickets worked by an insurer, and the dashboard
 * figures written. Shared by the proof by query and the preview's browser test.
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

async function act(system: TestSystem, ticket: string, ...actions: string[]) {
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
async function workTickets(system: TestSystem) {
  // Open ones only: the scans close some themselves (a visit at last, a terminal back).
  const { items } = system.context.store.tickets.list({ limit: 1000, status: 'open' });
  for (const [index, ticket] of items.entries()) {
    if (ticket.deadlineAt !== null || index % 3 === 1)
      await act(system, ticket.id, 'ack', 'dispatch', 'arrive', 'resolve');
    else if (index % 3 === 0) await act(system, ticket.id, 'ack', 'false-alarm');
  }
}

/**
 * An entrapment as it happens (the simulated ones are weeks old, far past their 30-minute
 * deadline), reached at once: the arrival in time the rescue panels count.
 */
async function liveEntrapment(system: TestSystem, credentialsFile: string) {
  const tokens = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
  const [elevator, token] = Object.entries(tokens)[0] as [string, string];
  const seqs = await system.query(`SELECT max("seq") FROM /.*/ WHERE "elevator" = '${elevator}'`);
  const seq = Math.max(...seqs.map((series) => Number(series.rows[0]?.max))) + 1;
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
  await act(system, ticket.id, 'ack', 'dispatch', 'arrive', 'resolve');
}

/** Fills `system` as above; returns the range from the run's start to now, which the panels should cover. */
export async function fillDashboardFleet(system: TestSystem): Promise<TimeRange> {
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
  await workTickets(system);
  await liveEntrapment(system, credentialsFile);
  // The running figures copy events every second and snapshot the backlog every 5 minutes: do both now.
  const figures = buildFigures({
    store: system.context.store,
    telemetry: system.telemetry.store,
    logger: system.context.logger,
  });
  await figures.copyEvents();
  await figures.writeBacklog();
  return { fromMs, toMs: Date.now() };
}

/** The value of `tag` with the most ticket events, among `values`: a drill-down with something in every panel. */
export async function busiest(system: TestSystem, tag: string, values: readonly string[]): Promise<string | undefined> {
  const counts = await system.query(`SELECT count("ticket") FROM "ticket_events" GROUP BY "${tag}"`);
  return counts
    .map((series) => ({ value: series.tags[tag] ?? '', events: Number(series.rows[0]?.count) }))
    .filter(({ value }) => values.includes(value))
    .sort((a, b) => b.events - a.events)[0]?.value;
}
