import type { Ticket } from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Logger } from '../lib/logger.js';
import { LiftwatchError } from '../lib/errors.js';
import { openScratchStore } from '../store/sqlite.js';
import type { ElevatorStore, Store } from '../store/types.js';
import { putOverride } from './config.js';
import { RulesEngine } from './engine.js';
import { eventsBetween, REBUILD_DAYS, registryLookup } from './history.js';
import { ALL_RULES } from './registry.js';
import { Scanner } from './scanner.js';
import { HISTORY_DAYS } from './types.js';

const DAY_MS = 86_400_000;
const PAGE = 1000;

export interface BacktestRequest {
  readonly rule: string;
  readonly from: number;
  readonly to: number;
  readonly elevators?: readonly string[] | undefined;
  /** A candidate config laid over the rule's defaults (the stored overrides do not apply). */
  readonly config?: Record<string, unknown> | undefined;
}

export interface BacktestResult {
  readonly rule: string;
  readonly config: unknown;
  /** Stream rules and detectors: the faults fed through the rule. */
  readonly faultsJudged: number;
  /** Scheduled rules: the scans run, one a day. */
  readonly scans: number;
  readonly tickets: Ticket[];
}

function allTickets(store: Store): Ticket[] {
  const tickets: Ticket[] = [];
  for (let after: string | null = ''; after !== null;) {
    const page = store.tickets.list({ limit: PAGE, after: after || undefined });
    tickets.push(...page.items);
    after = page.next;
  }
  return tickets;
}

/**
 * What a rule would have opened over history: the faults and maintenance steps InfluxDB holds
 * (and, for a detector, each day's runs and door cycles) are fed through a fresh engine with
 * only that rule, into a scratch store. The days before `from` (HISTORY_DAYS, or REBUILD_DAYS
 * for a detector, which learns each elevator's normal from them) fill its memory without being
 * judged; nothing real is opened.
 */
export async function backtest(
  request: BacktestRequest,
  { telemetry, elevators, logger }: { telemetry: TelemetryStore; elevators: ElevatorStore; logger: Logger },
): Promise<BacktestResult> {
  const rule = ALL_RULES.find((candidate) => candidate.id === request.rule);
  if (!rule) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No rule ${request.rule}`);
  if (request.to <= request.from) throw new LiftwatchError('LW_ERR_VALIDATION', 'to must come after from');
  if (request.config && ('mode' in request.config || 'shadow' in request.config)) {
    // A backtest is the candidate's what-if already: run live, what it opens is what it returns.
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      "A backtest's config is the candidate itself: leave out mode and shadow",
    );
  }
  const scratch = openScratchStore();
  try {
    const candidate = { scope: 'default' as const, scopeId: '', config: request.config ?? {}, createdBy: 'backtest' };
    putOverride(scratch.ruleConfigs, rule, candidate, new Date());
    const config = { ...(rule.defaults as object), ...request.config };
    if (rule.kind === 'scheduled') {
      // The scans read the real registry; what they open goes to the scratch store.
      const scanner = new Scanner({ store: { ...scratch, elevators }, telemetry, logger, rules: [rule] });
      const reports = await scanner.backfill([rule.id], request.from, request.to, DAY_MS);
      const wanted = request.elevators && new Set(request.elevators);
      const tickets = allTickets(scratch).filter((ticket) => !wanted || wanted.has(ticket.elevator));
      return { rule: rule.id, config, faultsJudged: 0, scans: reports.length, tickets };
    }
    const detector = rule.kind === 'detector';
    const engine = new RulesEngine({
      store: scratch,
      logger,
      rules: detector ? [] : [rule],
      detectors: detector ? [rule] : [],
      now: () => new Date(request.to),
    });
    const registered = registryLookup(elevators);
    // A detector learns each elevator's normal from the longer past a restart rebuilds it from.
    const learning = detector ? REBUILD_DAYS : HISTORY_DAYS;
    for (let day = request.from - learning * DAY_MS; day < request.to; day += DAY_MS) {
      const end = Math.min(day + DAY_MS, request.to);
      const doors = day < request.from ? 'daily' : 'each';
      for (const [id, event] of await eventsBetween(telemetry, day, end, request.elevators, doors)) {
        const elevator = registered(id);
        if (!elevator) continue;
        if (event.at < request.from) engine.replayHistory(event, elevator);
        else engine.judge(event, elevator);
      }
    }
    // A warning held for a common cause near the period's end has no later message to open it.
    engine.settleHeldBy(request.to);
    return {
      rule: rule.id,
      config,
      faultsJudged: engine.stats().faultsEvaluated,
      scans: 0,
      tickets: allTickets(scratch),
    };
  } finally {
    scratch.close();
  }
}
