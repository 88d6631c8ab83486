import {
  CONTRACTOR_SCORE_HEADERS,
  LEAGUE_SHEET,
  MAINTENANCE_MAX_DAYS,
  type ContractorLeague,
  type ContractorScore,
  type Ticket,
} from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import { entrapment } from '../rules/catalogue/critical.js';
import { maintenanceOverdue } from '../rules/catalogue/maintenance-overdue.js';
import { repeatAfterMaintenance } from '../rules/catalogue/repeat-after-maintenance.js';
import type { Scope, Store } from '../store/types.js';
import { compositeScore } from './contractor-score.js';
import { formCsv, formsXlsx, type FormTable } from './spreadsheet.js';
import { DAY_MS, MINUTE_MS, checkoutsByElevator, elevatorsInScope } from './visits.js';

/**
 * The contractor league table over [from, to), computed over the elevators in the caller's scope
 * and attributed to each elevator's contractor in the registry (docs/contractors.md).
 */

const PER_100 = 100;
const TENTHS = 10;
const TICKET_PAGE = 1000;
const toTenth = (value: number) => Math.round(value * TENTHS) / TENTHS;

/** Every ticket in the scope created in [from, to), page by page. */
function ticketsCreated(store: Store, scope: Scope, from: number, to: number): Ticket[] {
  const found: Ticket[] = [];
  let after: string | undefined;
  do {
    const page = store.tickets.list({ limit: TICKET_PAGE, after }, scope);
    for (const ticket of page.items) {
      const created = Date.parse(ticket.createdAt);
      if (created >= from && created < to) found.push(ticket);
    }
    after = page.next ?? undefined;
  } while (after !== undefined);
  return found;
}

/** Mean minutes from creation to a lifecycle step, over the tickets that reached it; null when none did. */
function meanMinutes(tickets: readonly Ticket[], step: (ticket: Ticket) => string | null): number | null {
  const minutes = tickets.flatMap((ticket) => {
    const at = step(ticket);
    return at === null ? [] : [(Date.parse(at) - Date.parse(ticket.createdAt)) / MINUTE_MS];
  });
  return minutes.length === 0 ? null : toTenth(minutes.reduce((sum, value) => sum + value, 0) / minutes.length);
}

interface Tally {
  lifts: number;
  visits: number;
  visitsOnTime: number;
  tickets: Ticket[];
}

export async function contractorLeague(
  telemetry: TelemetryStore,
  store: Store,
  scope: Scope,
  from: number,
  to: number,
): Promise<ContractorLeague> {
  const maxGapMs = MAINTENANCE_MAX_DAYS * DAY_MS;
  const elevators = elevatorsInScope(store, scope);
  // The previous check-out of the period's first one may lie up to 15 days before it.
  const checkouts = await checkoutsByElevator(telemetry, from - maxGapMs, to);
  const tallies = new Map<string, Tally>();
  const contractorOf = new Map<string, Tally>();
  for (const elevator of elevators) {
    let tally = tallies.get(elevator.contractor);
    if (!tally) tallies.set(elevator.contractor, (tally = { lifts: 0, visits: 0, visitsOnTime: 0, tickets: [] }));
    contractorOf.set(elevator.id, tally);
    tally.lifts += 1;
    const times = checkouts.get(elevator.id) ?? [];
    times.forEach((at, index) => {
      if (at < from) return;
      tally.visits += 1;
      const previous = times[index - 1];
      if (previous !== undefined && at - previous <= maxGapMs) tally.visitsOnTime += 1;
    });
  }
  for (const ticket of ticketsCreated(store, scope, from, to)) contractorOf.get(ticket.elevator)?.tickets.push(ticket);

  const rows = [...tallies].map(([contractor, { lifts, visits, visitsOnTime, tickets }]): ContractorScore => {
    const ofRule = (rule: string) => tickets.filter((ticket) => ticket.rule === rule).length;
    const inputs = {
      lifts,
      visits,
      visitsOnTime,
      overdue: ofRule(maintenanceOverdue.id),
      repeatsAfterMaintenance: ofRule(repeatAfterMaintenance.id),
      entrapmentsPer100Lifts: toTenth((ofRule(entrapment.id) / lifts) * PER_100),
      responseMinutes: meanMinutes(tickets, (ticket) => ticket.acknowledged.at),
      onSiteMinutes: meanMinutes(tickets, (ticket) => ticket.arrived.at),
    };
    return { contractor, ...inputs, score: compositeScore(inputs) };
  });
  rows.sort((a, b) => b.score - a.score || a.contractor.localeCompare(b.contractor));
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), contractors: rows };
}

/** The league as a table: the contract's Chinese headers, a row per contractor. */
function leagueTable(league: ContractorLeague): FormTable {
  const keys = Object.keys(CONTRACTOR_SCORE_HEADERS) as Array<keyof ContractorScore>;
  return {
    above: [],
    header: keys.map((key) => CONTRACTOR_SCORE_HEADERS[key]),
    rows: league.contractors.map((row) => keys.map((key) => row[key])),
    below: [],
  };
}

/** The league as CSV: UTF-8 with a BOM, CRLF line ends. */
export const leagueCsv = (league: ContractorLeague): string => formCsv(leagueTable(league));

/** The league as a workbook of one sheet. */
export const leagueXlsx = (league: ContractorLeague): Promise<Buffer> =>
  formsXlsx([[LEAGUE_SHEET, leagueTable(league)]]);
