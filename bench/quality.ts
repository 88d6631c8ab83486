import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../cli/context.js';
import { startSystem } from '../cli/system.js';
import { build as buildFleet } from '../simulators/fleet.js';
import { loadScenario } from '../simulators/scenario.js';
import { score, type ScoredTicket } from '../simulators/score.js';
import { readTruth } from '../simulators/truth.js';
import type { Store } from '../store/types.js';
import { freePort } from '../lib/net.js';

const DAY_MS = 86_400_000;
/** A fixed start, so two runs of the same code give the same traffic and the same score. */
const START = Date.parse('2026-08-01T00:00:00+08:00');

/** The targets for the rules on ninety-days. */
export const TARGETS = { recall: 0.95, precision: 0.9, medianLeadHours: 7 * 24, criticalMissed: 0 } as const;

function allTickets(store: Store): ScoredTicket[] {
  const tickets: ScoredTicket[] = [];
  for (let after: string | null = ''; after !== null;) {
    const page = store.tickets.list({ limit: 1000, after: after || undefined });
    for (const ticket of page.items) tickets.push(store.tickets.get(ticket.id) as ScoredTicket);
    after = page.next;
  }
  return tickets;
}

/**
 * The rules' quality, measured: the ninety-days scenario through a whole liftwatch (local
 * influxd), the scheduled rules run as of each simulated day, then scored against the truth.
 */
export async function qualityBenchmark() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-quality-'));
  const context = openContext({
    LW_DATA_DIR: dir,
    LW_MQTT_PORT: '0',
    LW_MQTT_WS_PORT: '0',
    LW_HTTP_PORT: '0',
    LW_INFLUX_PORT: String(await freePort()),
    LW_LOG_LEVEL: 'warn',
  });
  try {
    const system = await startSystem(context);
    const scenario = { ...loadScenario('ninety-days'), fromMs: START };
    const truthFile = path.join(dir, 'truth.jsonl');
    const fleet = buildFleet({
      scenario,
      mqttUrl: system.mqttUrl,
      api: { apiUrl: system.httpUrl, adminToken: context.admin.token },
      credentialsFile: path.join(dir, 'credentials.json'),
      truthFile,
      logger: context.logger,
    });
    process.stderr.write(
      `quality: simulating ${scenario.name} (${scenario.fleet.elevators} elevators, ${scenario.duration / DAY_MS} days)\n`,
    );
    const run = await fleet.run();
    await system.ingest.flush();
    const end = scenario.fromMs + scenario.duration;
    process.stderr.write(
      `quality: ${run.published} messages in ${run.runSeconds.toFixed(0)} s; scanning each simulated day\n`,
    );
    await system.rules.scanner.backfill(null, scenario.fromMs + DAY_MS, end, DAY_MS);
    const result = score(readTruth(truthFile), allTickets(context.store));
    const rows = [
      {
        measure: 'recall (failed degradations ticketed in time)',
        value: result.recall,
        target: `>= ${TARGETS.recall}`,
      },
      { measure: 'precision', value: result.precision, target: `>= ${TARGETS.precision}` },
      { measure: 'median lead time, hours', value: result.medianLeadHours, target: `>= ${TARGETS.medianLeadHours}` },
      { measure: '10th percentile lead time, hours', value: result.p10LeadHours, target: '-' },
      {
        measure: 'critical events missed',
        value: result.criticalMissed,
        target: `${TARGETS.criticalMissed} of ${result.criticalEvents}`,
      },
      { measure: 'tickets (true / false)', value: `${result.truePositives} / ${result.falsePositives}`, target: '-' },
      { measure: 'messages stored per second (whole pipeline)', value: run.messagesPerSecond, target: '-' },
    ];
    return { rows, ratios: {}, detail: result };
  } finally {
    await context.teardown.run(context.logger);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
