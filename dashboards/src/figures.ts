import { entrapment } from '../../rules/catalogue/critical.js';
import { maintenanceOverdue } from '../../rules/catalogue/maintenance-overdue.js';
import { repeatAfterMaintenance } from '../../rules/catalogue/repeat-after-maintenance.js';
import { SERVICE_MODES, type MAINTENANCE_ACTIONS } from '../../contract/index.js';
import {
  Expr,
  MACROS,
  count,
  field,
  fieldIs,
  from,
  last,
  mean,
  spread,
  sum,
  tagIn,
  tagIs,
  type Severity,
  type TicketEvent,
  type Variable,
} from '../influxql.js';
import { MONTH_SECONDS, PERCENT, RUNS_PER_KPI, SECONDS_PER_HOUR, SECONDS_PER_MINUTE } from './common.js';

/**
 * The figures several dashboards show, as queries over one scope: which registry tags break them
 * down, which variables narrow them, and whether they run over time or over the whole range.
 */
export interface Scope {
  readonly by: readonly Variable[];
  readonly filters: readonly Variable[];
  readonly overTime: boolean;
}

/** Column names: what tables head their columns with and what expressions and overrides refer to. */
export const COLUMNS = {
  availability: '可用率',
  faults: '故障',
  faultRate: '每千次运行故障',
  entrapmentRate: '困人率',
  thousandRuns: '千次运行',
  runs: '运行次数',
  lifts: '电梯数',
  liftMonths: '台月',
  entrapments: '困人',
  critical: '严重事件',
  online: '在线',
  offline: '离线',
  open: '未关闭',
  opened: '新开',
  closed: '关闭',
  acknowledgeMinutes: '响应',
  arriveMinutes: '到场',
  resolveHours: '处理',
  deadlineMet: '按时到场',
  deadlineDue: '应到场',
  visits: '维保次数',
  inspectionMinutes: '检修分钟',
  repeatAfterVisit: '维保后复发',
  overdue: '维保超期',
  sinceOpened: '距开单分钟',
} as const;

/** Fault categories (contract/fault-codes.ts): `hazard` is an equipment fault, what the KPIs count. */
const HAZARD = 'hazard';
const CRITICAL: Severity = 'critical';
const ENTRAPMENT_CODES = [...entrapment.codes].map(String);
const ticketEvent = (event: TicketEvent) => tagIs('event', event);
const CLOSING_EVENTS: TicketEvent[] = ['resolved', 'false_alarm'];
const CHECKOUT: (typeof MAINTENANCE_ACTIONS)[number] = 'checkout';
/** Runs per day are cut at Shanghai midnight (every query carries tz). */
const DAY = '1d';
/** Each telemetry point in inspection mode stands for one minute: the contract's 60-second heartbeat. */
const INSPECTION = SERVICE_MODES.inspection;

/** Grafana's range in seconds, for per-month rates over whatever range is shown. */
const rangeSeconds = new Expr<never>(MACROS.rangeSeconds);

function scoped<S extends { byTime(): S; fill(fill: '0'): S }>(query: S, scope: Scope, fill: boolean): S {
  if (!scope.overTime) return query;
  return fill ? query.byTime().fill('0') : query.byTime();
}

/** 100 × the share of telemetry minutes in normal service. */
export const availability = (scope: Scope) =>
  scoped(
    from('telemetry')
      .select(mean('inService').times(PERCENT).as(COLUMNS.availability))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by),
    scope,
    false,
  );

/** Equipment faults (category hazard). */
export const faults = (scope: Scope) =>
  scoped(
    from('faults')
      .select(count('seq').as(COLUMNS.faults))
      .where(tagIs('category', HAZARD))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by),
    scope,
    true,
  );

export const criticalEvents = (scope: Scope) =>
  scoped(
    from('faults')
      .select(count('seq').as(COLUMNS.critical))
      .where(tagIs('severity', CRITICAL))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by),
    scope,
    true,
  );

/** Critical events over time, by fault code. */
export const criticalByCode = (scope: Scope) =>
  from('faults')
    .select(count('seq').as(COLUMNS.critical))
    .where(tagIs('severity', CRITICAL))
    .filteredBy(...scope.filters)
    .groupBy('code')
    .byTime()
    .fill('0');

export const entrapments = (scope: Scope) =>
  scoped(
    from('faults')
      .select(count('seq').as(COLUMNS.entrapments))
      .where(tagIn('code', ENTRAPMENT_CODES))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by),
    scope,
    true,
  );

/** Runs in thousands: what each elevator's cumulative counter grew by, summed. */
export const thousandRuns = (scope: Scope) => {
  const perElevator = scoped(
    from('telemetry')
      .select(spread('runs').as('runs'))
      .filteredBy(...scope.filters)
      .groupBy('elevator', ...scope.by),
    scope,
    false,
  );
  return scoped(
    perElevator
      .asSource()
      .select(sum('runs').dividedBy(RUNS_PER_KPI).as(COLUMNS.thousandRuns))
      .groupBy(...scope.by),
    scope,
    false,
  );
};

/** Elevators that reported in the range (a last value each, counted). */
export const lifts = (scope: Scope) =>
  from('telemetry')
    .select(last('runs').as('runs'))
    .filteredBy(...scope.filters)
    .groupBy('elevator', ...scope.by)
    .asSource()
    .select(count('runs').as(COLUMNS.lifts))
    .groupBy(...scope.by);

/** Lift-months in the range: the denominator of entrapments per 100 lifts per month. */
export const liftMonths = (scope: Scope) =>
  from('telemetry')
    .select(last('runs').as('runs'))
    .filteredBy(...scope.filters)
    .groupBy('elevator', ...scope.by)
    .asSource()
    .select(count('runs').times(rangeSeconds).dividedBy(MONTH_SECONDS).as(COLUMNS.liftMonths))
    .groupBy(...scope.by);

/** Each elevator's last presence flag up to the end of the range: online now, offline now. */
export const onlineNow = (scope: Scope) =>
  from('online')
    .select(last('online').as('state'))
    .filteredBy(...scope.filters)
    .groupBy('elevator')
    .untilRangeEnd()
    .asSource()
    .select(sum('state').as(COLUMNS.online), count('state').minus(sum('state')).as(COLUMNS.offline))
    .untilRangeEnd();

/**
 * Elevators online in each interval: those whose terminal reported telemetry in it (every minute
 * while online). Not the online flags carried forward: InfluxDB 1.6 answers a subquery with
 * fill(previous) once per shard, so an interval came back twice, once as 1 and once as 0.
 */
export const onlineOverTime = (scope: Scope) =>
  from('telemetry')
    .select(last('runs').as('runs'))
    .filteredBy(...scope.filters)
    .byTime()
    .groupBy('elevator')
    .asSource()
    .select(count('runs').as(COLUMNS.online))
    .byTime();

/**
 * Open tickets from the 5-minute backlog snapshots: each series' last snapshot in the interval,
 * summed over insurers (and severities, unless broken down by them).
 */
export const openTickets = (filters: ReadonlyArray<'insurer'>, by: ReadonlyArray<'severity'>) =>
  from('ticket_backlog')
    .select(last('open').as('open'))
    .filteredBy(...filters)
    .byTime()
    .groupBy('insurer', 'severity')
    .asSource()
    .select(sum('open').as(COLUMNS.open))
    .byTime()
    .groupBy(...by);

/** The backlog by age: under a day, one to seven days, over seven days. */
export const backlogByAge = (filters: ReadonlyArray<'insurer'>) =>
  from('ticket_backlog')
    .select(last('ageUnder1d').as('under1d'), last('age1to7d').as('from1to7d'), last('ageOver7d').as('over7d'))
    .filteredBy(...filters)
    .byTime()
    .groupBy('insurer', 'severity')
    .asSource()
    .select(sum('under1d').as('1天内'), sum('from1to7d').as('1-7天'), sum('over7d').as('7天以上'))
    .byTime();

export const ticketsOpened = (scope: Scope) =>
  scoped(
    from('ticket_events')
      .select(count('ticket').as(COLUMNS.opened))
      .where(ticketEvent('opened'))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by),
    scope,
    true,
  );

export const ticketsClosed = (scope: Scope) =>
  scoped(
    from('ticket_events')
      .select(count('ticket').as(COLUMNS.closed))
      .where(tagIn('event', CLOSING_EVENTS))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by),
    scope,
    true,
  );

/** A ticket event's time since the ticket was created, in minutes: for journals of events. */
export const minutesSinceOpened = field('sinceOpenedSeconds').dividedBy(SECONDS_PER_MINUTE).as(COLUMNS.sinceOpened);

/** Mean time from a ticket's creation to an event of it, in minutes or hours. */
const timeTo =
  <A extends string>(event: TicketEvent, alias: A, secondsPerUnit: number) =>
  (scope: Scope) =>
    scoped(
      from('ticket_events')
        .select(mean('sinceOpenedSeconds').dividedBy(secondsPerUnit).as(alias))
        .where(ticketEvent(event))
        .filteredBy(...scope.filters)
        .groupBy(...scope.by),
      scope,
      false,
    );
export const minutesToAcknowledge = timeTo('acknowledged', COLUMNS.acknowledgeMinutes, SECONDS_PER_MINUTE);
export const minutesToArrive = timeTo('on_site', COLUMNS.arriveMinutes, SECONDS_PER_MINUTE);
export const hoursToResolve = timeTo('resolved', COLUMNS.resolveHours, SECONDS_PER_HOUR);

/** On-site arrivals of tickets with a deadline (the 30-minute entrapment rescue): all, and those in time. */
const arrivals =
  <A extends string>(alias: A, metOnly: boolean) =>
  (scope: Scope) => {
    const onSite = from('ticket_events')
      .select(count('deadlineMet').as(alias))
      .where(ticketEvent('on_site'))
      .filteredBy(...scope.filters)
      .groupBy(...scope.by);
    return scoped(metOnly ? onSite.where(fieldIs('deadlineMet', true)) : onSite, scope, true);
  };
export const arrivalsDue = arrivals(COLUMNS.deadlineDue, false);
export const arrivalsInTime = arrivals(COLUMNS.deadlineMet, true);

/** Tickets a rule opened: maintenance quality (a fault again within 72 h of a visit) and overdue visits. */
const openedBy =
  <A extends string>(rule: string, alias: A) =>
  (scope: Scope) =>
    scoped(
      from('ticket_events')
        .select(count('ticket').as(alias))
        .where(ticketEvent('opened'), tagIs('rule', rule))
        .filteredBy(...scope.filters)
        .groupBy(...scope.by),
      scope,
      true,
    );
export const repeatsAfterVisit = openedBy(repeatAfterMaintenance.id, COLUMNS.repeatAfterVisit);
export const overdueVisits = openedBy(maintenanceOverdue.id, COLUMNS.overdue);

/** Maintenance visits: check-outs. */
export const visits = (scope: Scope) =>
  from('maintenance')
    .select(count('seq').as(COLUMNS.visits))
    .where(fieldIs('action', CHECKOUT))
    .filteredBy(...scope.filters)
    .groupBy(...scope.by);

/** Minutes the controllers spent in inspection mode: a technician at work, the length of the visits. */
export const inspectionMinutes = (scope: Scope) =>
  from('telemetry')
    .select(count('mode').as(COLUMNS.inspectionMinutes))
    .where(fieldIs('mode', INSPECTION))
    .filteredBy(...scope.filters)
    .groupBy(...scope.by);

/** The runs on each (Shanghai) day, for one elevator. */
export const runsPerDay = (scope: Scope) =>
  from('telemetry')
    .select(spread('runs').as(COLUMNS.runs))
    .filteredBy(...scope.filters)
    .byTime(DAY)
    .fill('0');
