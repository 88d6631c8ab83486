import { loadConfig } from '../../config/env.js';
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
  summary: 'list the rules, run the scheduled ones (now or over a past period), or backtest one',
  help: `liftwatch rules list
  The catalogue with each rule's defaults and overrides.

liftwatch rules scan [--rule ID] [--at WHEN | --from WHEN --to WHEN [--every D]]
  Runs the scheduled rules (or one) now, as of a time, or as of each step of a past period (a
  backfill after downtime, or over a replayed or simulated history). Opens and resolves tickets.

liftwatch rules backtest --rule ID --from WHEN --to WHEN [--elevators A,B] [--config JSON]
  Replays the faults and maintenance steps InfluxDB holds through the rule (with the candidate
  config laid over its defaults) and prints the tickets it would have opened. Opens nothing.

Both ask the running liftwatch at LW_API_URL with the admin key. --json prints the API's answer.`,
  options: {
    rule: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    elevators: { type: 'string' },
    config: { type: 'string' },
    at: { type: 'string' },
    every: { type: 'string' },
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
    throw new UsageError(
      'use `liftwatch rules list`, `liftwatch rules scan` or `liftwatch rules backtest --rule ID --from WHEN --to WHEN`',
    );
  },
};
