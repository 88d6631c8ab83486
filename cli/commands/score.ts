import { loadConfig } from '../../config/env.js';
import { score, type Score, type ScoredTicket } from '../../simulators/score.js';
import { readRuns } from '../../simulators/runs.js';
import { scoreRuns, SPREAD_FIGURES, type RunsScore, type Spread, type SpreadFigure } from '../../simulators/spread.js';
import { fetchTickets, readTicketFile } from '../../simulators/tickets.js';
import { readTruth, type TruthRecord } from '../../simulators/truth.js';
import { requireAdminToken } from '../admin-key.js';
import type { Command } from '../command.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';

function parseTime(flag: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw new UsageError(`${flag} takes an ISO date or date-time, not ${String(value)}`);
  return ms;
}

const show = (value: number | null, unit = '') => (value === null ? 'n/a' : `${value}${unit}`);
const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

function report(result: Score): string[] {
  const lines = [
    `score: ${result.tickets} tickets, ${result.truePositives} match the truth, ${result.falsePositives} do not`,
    `  recall      ${percent(result.recall)} of failed degradations ticketed before their failure`,
    `  precision   ${percent(result.precision)} of tickets match something that happened`,
    `  hazard      ${percent(result.hazard.precision)} of ${result.hazard.tickets} hazard tickets point at a real degradation, ${show(result.hazard.falsePerElevatorYear)} false per elevator-year`,
    `  lead time   median ${show(result.medianLeadHours, ' h')}, 10th percentile ${show(result.p10LeadHours, ' h')}`,
    `  critical    ${result.criticalEvents} events, ${result.criticalMissed} missed, median ${show(result.medianCriticalSecondsToTicket, ' s')} to a ticket`,
    '  per kind:',
  ];
  for (const [name, kind] of Object.entries(result.perKind).sort()) {
    const failed = kind.failed === undefined ? '' : `, ${kind.failed} failed`;
    const lead = kind.medianLeadHours === undefined ? '' : `, median lead ${show(kind.medianLeadHours, ' h')}`;
    lines.push(
      `    ${name.padEnd(28)} ${kind.count} (${kind.category}${failed}), ticketed in time ${kind.ticketedInTime}, recall ${percent(kind.recall)}${lead}`,
    );
  }
  lines.push('  per rule:');
  for (const [rule, { tickets, truePositives }] of Object.entries(result.perRule).sort()) {
    lines.push(`    ${rule.padEnd(28)} ${tickets} tickets, ${truePositives} match the truth`);
  }
  return lines;
}

/** What each figure is called in the spread report, in the order printed. */
const SPREAD_LABELS: Readonly<Record<SpreadFigure, string>> = {
  recall: 'recall',
  hazardPrecision: 'hazard precision',
  precision: 'precision',
  medianLeadHours: 'median lead h',
  p10LeadHours: '10th pct lead h',
  hazardTickets: 'hazard tickets',
  falseHazardTickets: 'false hazard tickets',
  falseHazardPerElevatorYear: 'false hazard per elevator-year',
  criticalMissed: 'critical missed',
  maxCriticalSecondsToTicket: 'critical max s',
};

const spreadText = (spread: Spread) =>
  spread.mean === null ? 'n/a' : `mean ${spread.mean}, ${spread.min} to ${spread.max} over ${spread.runs} runs`;

function runsReport(result: RunsScore): string[] {
  const { pooled } = result;
  const pooledOf = (figure: SpreadFigure) => show(SPREAD_FIGURES[figure](pooled));
  return [
    `score: ${result.runs.length} runs, ${result.degradations.count} degradations (${result.degradations.failed} failed), ${pooled.tickets} tickets`,
    ...(Object.keys(SPREAD_LABELS) as SpreadFigure[]).map(
      (figure) =>
        `  ${SPREAD_LABELS[figure].padEnd(30)} pooled ${pooledOf(figure)}; ${spreadText(result.spread[figure])}`,
    ),
    '  per run:',
    ...result.runs.map(
      ({ name, score: run }) =>
        `    ${name.padEnd(32)} recall ${percent(run.recall)}, hazard precision ${percent(run.hazard.precision)}, median lead ${show(run.medianLeadHours, ' h')}`,
    ),
    '  per rule (false tickets):',
    ...Object.entries(result.perRule)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([rule, { pooled: counts, falsePositives }]) =>
          `    ${rule.padEnd(28)} ${counts.tickets} tickets, ${counts.falsePositives} false; per run ${spreadText(falsePositives)}`,
      ),
  ];
}

export const scoreCommand: Command = {
  name: 'score',
  summary: "compare the tickets liftwatch opened with a simulation's ground truth",
  help: `Reads the ground truth a simulation wrote (--truth) and the tickets: from --tickets FILE, or
from the running liftwatch (GET /api/tickets at LW_API_URL with the admin key). Prints recall,
precision, lead times and missed critical events, overall and per kind. Ticket times are the
event times of the occurrences that opened them, so accelerated runs score in simulated time.

With --runs DIR it scores many runs (seeds) at once: DIR is a run directory (run.json,
truth.jsonl, tickets.jsonl; \`npm run bench -- quality --out DIR\` writes them) or a directory of
them. Each figure is given pooled (all runs as one fleet) and with its mean and range over runs.

Options:
  --truth FILE       ground truth written by \`liftwatch simulate --truth\` (required without --runs)
  --runs DIR         score the runs in DIR instead, with each figure's spread over them
  --tickets FILE     tickets as JSON lines or a JSON array of {id, elevator, rule, openedAt}
  --from WHEN        score only what began at or after this ISO time
  --to WHEN          ... and at or before this one
  --json             print one JSON object (recall, precision, medianLeadHours, p10LeadHours, criticalMissed, perKind, ...)`,
  options: {
    truth: { type: 'string' },
    runs: { type: 'string' },
    tickets: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const window = { from: parseTime('--from', values.from), to: parseTime('--to', values.to) };
    if (typeof values.runs === 'string') {
      if (values.truth !== undefined || values.tickets !== undefined)
        throw new UsageError("--runs reads each run's own truth and tickets: leave out --truth and --tickets");
      let runs: ReturnType<typeof readRuns>;
      try {
        runs = readRuns(values.runs);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const result = scoreRuns(runs, window);
      if (values.json) say(JSON.stringify(result));
      else runsReport(result).forEach((line) => say(line));
      return;
    }
    if (typeof values.truth !== 'string') throw new UsageError('score needs --truth FILE (or --runs DIR)');
    let truth: TruthRecord[];
    try {
      truth = readTruth(values.truth);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    let tickets: ScoredTicket[];
    if (typeof values.tickets === 'string') {
      tickets = readTicketFile(values.tickets);
    } else {
      const config = loadConfig();
      tickets = await fetchTickets({ apiUrl: config.http.url, adminToken: requireAdminToken(config) });
    }
    const result = score(truth, tickets, window);
    if (values.json) say(JSON.stringify(result));
    else report(result).forEach((line) => say(line));
  },
};
