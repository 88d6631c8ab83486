import type { ShadowRecord, ShadowRuleReport, Ticket } from '../../contract/index.js';
import { loadConfig } from '../../config/env.js';
import { declaresShadow } from '../../rules/config.js';
import { shadowReportFrom, type ShadowSource } from '../../rules/shadow-report.js';
import { readTruth, type TruthRecord } from '../../simulators/truth.js';
import { requireAdminToken } from '../admin-key.js';
import type { Command, Values } from '../command.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';

interface Api {
  readonly url: string;
  readonly token: string;
}

async function call(api: Api, method: string, route: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new UsageError(`cannot reach the liftwatch API at ${api.url} (${(error as Error).message}); set LW_API_URL`);
  }
  const json = (await response.json()) as { message?: string };
  if (!response.ok) throw new UsageError(`${method} ${route} answered ${response.status}: ${json.message ?? ''}`);
  return json;
}

function isoOption(flag: string, value: string | boolean | undefined): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    throw new UsageError(`${flag} takes an ISO date or date-time`);
  return new Date(value).toISOString();
}

async function backtest(api: Api, values: Values) {
  if (typeof values.rule !== 'string') throw new UsageError('rules backtest needs --rule ID');
  let config: unknown;
  if (typeof values.config === 'string') {
    try {
      config = JSON.parse(values.config);
    } catch {
      throw new UsageError('--config takes a JSON object such as {"landingCount": 3}');
    }
  }
  const result = (await call(api, 'POST', '/api/rules/backtest', {
    rule: values.rule,
    from: isoOption('--from', values.from),
    to: isoOption('--to', values.to),
    elevators: typeof values.elevators === 'string' ? values.elevators.split(',') : undefined,
    config,
  })) as {
    rule: string;
    config: unknown;
    faultsJudged: number;
    scans: number;
    tickets: Array<{ elevator: string; openedAt: string; occurrenceCount: number; title: string }>;
  };
  if (values.json) return say(JSON.stringify(result));
  const judged = result.scans > 0 ? `ran ${result.scans} daily scans` : `judged ${result.faultsJudged} faults`;
  say(
    `rules backtest: ${result.rule} with ${JSON.stringify(result.config)} ${judged} and would have opened ${result.tickets.length} tickets`,
  );
  for (const ticket of result.tickets)
    say(`  ${ticket.openedAt}  ${ticket.elevator.padEnd(16)} ${ticket.title} (${ticket.occurrenceCount} occurrences)`);
}

/** Items a page of the API gives at most. */
const PAGE_LIMIT = 1000;

/** Every item of a paged list route. */
async function allPages<T>(api: Api, route: string, query: Record<string, string>): Promise<T[]> {
  const items: T[] = [];
  for (let after = ''; ;) {
    const params = new URLSearchParams({ ...query, limit: String(PAGE_LIMIT), ...(after ? { after } : {}) });
    const page = (await call(api, 'GET', `${route}?${params}`)) as { items: T[]; next: string | null };
    items.push(...page.items);
    if (page.next === null) return items;
    after = page.next;
  }
}

function truthOption(file: string): TruthRecord[] {
  try {
    return readTruth(file);
  } catch (error) {
    throw new UsageError(`--truth: ${(error as Error).message}`);
  }
}

const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const hours = (value: number | null) => (value === null ? 'n/a' : `${value > 0 ? '+' : ''}${value} h`);
const outcomes = ({ real, falseAlarm, unconfirmed }: ShadowRuleReport['coincidingLive']) =>
  `(${real}/${falseAlarm}/${unconfirmed})`;

/**
 * The rules in shadow against their live tickets, computed here from the API's shadow records and
 * tickets, so that the truth file stays with the tester.
 */
async function shadowReportAction(api: Api, values: Values) {
  const from = isoOption('--from', values.from);
  const to = isoOption('--to', values.to);
  if (Date.parse(to) <= Date.parse(from)) throw new UsageError('--to must come after --from');
  const truth = typeof values.truth === 'string' ? truthOption(values.truth) : undefined;
  const rule = typeof values.rule === 'string' ? values.rule : undefined;
  if (rule !== undefined) await call(api, 'GET', `/api/rules/${encodeURIComponent(rule)}`);
  const source: ShadowSource = {
    async shadowedRules() {
      const catalogue = (await call(api, 'GET', '/api/rules')) as Array<{
        id: string;
        overrides: Array<{ config: Record<string, unknown> }>;
      }>;
      return catalogue.filter((one) => one.overrides.some((o) => declaresShadow(o.config))).map((one) => one.id);
    },
    shadows: (before, only) =>
      allPages<ShadowRecord>(api, '/api/rules/shadows', { to: before, ...(only === undefined ? {} : { rule: only }) }),
    tickets: (one) => allPages<Ticket>(api, '/api/tickets', { rule: one }),
  };
  const report = await shadowReportFrom(source, { from, to, rule, truth });
  if (values.json) return say(JSON.stringify(report));
  say(`rules shadow-report: ${report.rules.length} rules in shadow from ${report.from} to ${report.to}`);
  if (report.rules.length === 0) return;
  say(
    `  ${'rule'.padEnd(28)} ${'would open'.padStart(10)}  ${'with live (real/false/unconfirmed)'.padEnd(36)} ${'shadow only'.padStart(11)}  ${'live'.padStart(5)}  ${'live only (real/false/unconfirmed)'.padEnd(36)} median lead`,
  );
  for (const row of report.rules) {
    say(
      `  ${row.rule.padEnd(28)} ${String(row.wouldOpen).padStart(10)}  ${`${row.coinciding} ${outcomes(row.coincidingLive)}`.padEnd(36)} ${String(row.shadowOnly).padStart(11)}  ${String(row.liveTickets).padStart(5)}  ${`${row.liveOnly} ${outcomes(row.liveOnlyOutcomes)}`.padEnd(36)} ${hours(row.medianLeadHours)}`,
    );
    if (!row.truth) continue;
    for (const side of ['shadow', 'live'] as const) {
      const figures = row.truth[side];
      say(
        `    against the truth, ${side.padEnd(6)} ${figures.tickets} tickets, ${figures.truePositives} true, ${figures.falsePositives} false, recall ${percent(figures.recall)}, median lead ${figures.medianLeadHours === null ? 'n/a' : `${figures.medianLeadHours} h`}`,
      );
    }
  }
  say('  lead: live opening minus shadow opening, positive when the shadow warned first');
}

async function scan(api: Api, values: Values) {
  const body: Record<string, unknown> = {};
  if (typeof values.rule === 'string') body.rule = values.rule;
  if (values.from !== undefined || values.to !== undefined) {
    body.from = isoOption('--from', values.from);
    body.to = isoOption('--to', values.to);
    body.every = typeof values.every === 'string' ? values.every : '1d';
  } else if (values.at !== undefined) {
    body.at = isoOption('--at', values.at);
  }
  const { reports } = (await call(api, 'POST', '/api/rules/scan', body)) as {
    reports: Array<{ rule: string; asOf: string; findings: number; opened: number; resolved: number }>;
  };
  if (values.json) return say(JSON.stringify(reports));
  const total = (key: 'findings' | 'opened' | 'resolved') => reports.reduce((sum, report) => sum + report[key], 0);
  say(
    `rules scan: ${reports.length} scans, ${total('findings')} findings, ${total('opened')} tickets opened, ${total('resolved')} resolved`,
  );
  for (const report of reports.filter((r) => r.opened + r.resolved > 0)) {
    say(`  ${report.asOf}  ${report.rule.padEnd(22)} opened ${report.opened}, resolved ${report.resolved}`);
  }
}

async function list(api: Api, values: Values) {
  const rules = (await call(api, 'GET', '/api/rules')) as Array<{
    id: string;
    description: string;
    defaults: unknown;
    overrides: unknown[];
  }>;
  if (values.json) return say(JSON.stringify(rules));
  for (const rule of rules) {
    say(
      `${rule.id.padEnd(30)} ${JSON.stringify(rule.defaults)}${rule.overrides.length ? ` (+${rule.overrides.length} overrides)` : ''}`,
    );
    say(`  ${rule.description}`);
  }
}

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'list the rules, run the scheduled ones (now or over a past period), backtest one, or compare one in shadow',
  help: `liftwatch rules list
  The catalogue with each rule's defaults and overrides.

liftwatch rules scan [--rule ID] [--at WHEN | --from WHEN --to WHEN [--every D]]
  Runs the scheduled rules (or one) now, as of a time, or as of each step of a past period (a
  backfill after downtime, or over a replayed or simulated history). Opens and resolves tickets.

liftwatch rules backtest --rule ID --from WHEN --to WHEN [--elevators A,B] [--config JSON]
  Replays the faults and maintenance steps InfluxDB holds through the rule (with the candidate
  config laid over its defaults) and prints the tickets it would have opened. Opens nothing.
  A detector first learns each elevator's normal from the 90 days before --from.

liftwatch rules shadow-report --from WHEN --to WHEN [--rule ID] [--truth FILE]
  Each rule in shadow (docs/rules.md, "Shadow mode") against its live tickets of the same
  elevators over the period: what it would have opened, how much of it coincides with a live
  ticket (and how those ended: resolved by a person, false alarm, unconfirmed), what only it
  would have opened, which live tickets it would have missed, and its median lead over the live
  rule. With --truth (a \`liftwatch simulate\` ground truth) both sides are also scored as
  \`liftwatch score\` scores tickets.

All ask the running liftwatch at LW_API_URL with the admin key. --json prints the API's answer.`,
  options: {
    rule: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    elevators: { type: 'string' },
    config: { type: 'string' },
    at: { type: 'string' },
    every: { type: 'string' },
    truth: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(values, positionals) {
    const config = loadConfig();
    const api = { url: config.http.url, token: requireAdminToken(config) };
    const [action, ...extra] = positionals;
    if (extra.length === 0 && action === 'list') return list(api, values);
    if (extra.length === 0 && action === 'backtest') return backtest(api, values);
    if (extra.length === 0 && action === 'scan') return scan(api, values);
    if (extra.length === 0 && action === 'shadow-report') return shadowReportAction(api, values);
    throw new UsageError(
      'use `liftwatch rules list`, `liftwatch rules scan`, `liftwatch rules backtest --rule ID --from WHEN --to WHEN` or `liftwatch rules shadow-report --from WHEN --to WHEN`',
    );
  },
};
