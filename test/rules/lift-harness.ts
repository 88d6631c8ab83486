import type { Elevator, Ticket } from '../../contract/index.js';
import { createLogger } from '../../lib/logger.js';
import type { EngineEvent, EngineOptions } from '../../rules/engine.js';
import { COMMON_CAUSE_DEFAULTS } from '../../rules/detectors/common-cause.js';
import { RulesEngine } from '../../rules/engine.js';
import { Random } from '../../simulators/random.js';
import { openScratchStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { registration } from '../helpers/fixtures.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** How long a detector's warning waits for a common cause before it opens. */
export const HOLD = COMMON_CAUSE_DEFAULTS.holdHours * HOUR;
/** A Monday, 00:00 in Shanghai. */
export const START = Date.parse('2026-01-05T00:00:00+08:00');

/** What a simulated elevator does each day: fault rates per code, runs, door cycles, visits. */
export interface LiftDays {
  /** Faults a day by code, as a Poisson process. */
  readonly faults?: Readonly<Record<number, number>>;
  /** Faults of a code all at one landing (a worn lock contact). */
  readonly landing?: number;
  readonly runsPerDay?: number;
  /** Door cycles reported a day (each with a reopen at `reopenChance`), closing in about `closeMs`. */
  readonly doorCycles?: number;
  readonly reopenChance?: number;
  readonly closeMs?: number;
}

/** A scratch store and an engine judging one or more simulated elevators, on a clock the test moves. */
export class Lifts {
  readonly store: Store;
  readonly engine: RulesEngine;
  clock = START;
  private seq = 0;
  private readonly runs = new Map<string, number>();
  private readonly lifts: Elevator[] = [];

  /** `only`: the rules the engine runs (default all). */
  constructor(
    readonly random: Random = new Random(1),
    only: Pick<EngineOptions, 'rules' | 'detectors'> = {},
  ) {
    this.store = openScratchStore();
    this.engine = new RulesEngine({
      store: this.store,
      logger: createLogger('silent'),
      now: () => new Date(this.clock),
      ...only,
    });
  }

  add(id: string, installedOn = '2015-05-01', district?: string): Elevator {
    const lift = this.store.elevators.register(
      registration(id, { installedOn, ...(district ? { district } : {}) }),
      'h',
    );
    this.lifts.push(lift);
    return lift;
  }

  /**
   * Every lift reports (telemetry) `wait` after the clock, as a live one does each minute: the
   * warnings held for a common cause since then open (or are dropped).
   */
  pass(wait = HOLD): void {
    const at = this.clock + wait;
    for (const lift of this.lifts) this.feed(lift, { type: 'mode', at, mode: 1 });
  }

  feed(elevator: Elevator, event: EngineEvent): void {
    this.clock = Math.max(this.clock, event.at);
    this.engine.judge(event, elevator);
  }

  fault(elevator: Elevator, at: number, code: number, floor = 3): void {
    this.feed(elevator, { type: 'fault', at, seq: ++this.seq, code, floor });
  }

  /**
   * `days` simulated days from `from`: telemetry every hour (normal mode, the runs counter), the
   * faults and door cycles at their rates, in time order.
   */
  days(elevator: Elevator, from: number, days: number, what: LiftDays): void {
    const events: EngineEvent[] = [];
    const runsPerHour = (what.runsPerDay ?? 240) / 24;
    for (let hour = 0; hour < days * 24; hour++) {
      const at = from + hour * HOUR;
      const runs = (this.runs.get(elevator.id) ?? 0) + this.random.poisson(runsPerHour);
      this.runs.set(elevator.id, runs);
      events.push({ type: 'mode', at, mode: 1, runs });
      for (const [code, perDay] of Object.entries(what.faults ?? {})) {
        for (let n = this.random.poisson(perDay / 24); n > 0; n--) {
          const floor = what.landing ?? this.random.int(1, 12);
          events.push({ type: 'fault', at: at + this.random.int(1, HOUR - 1), seq: 0, code: Number(code), floor });
        }
      }
      for (let n = this.random.poisson((what.doorCycles ?? 0) / 24); n > 0; n--) {
        const reopens = this.random.chance(what.reopenChance ?? 0.03) ? 1 : 0;
        const closeMs = Math.round((what.closeMs ?? 3000) * this.random.uniform(0.95, 1.05));
        events.push({ type: 'door', at: at + this.random.int(1, HOUR - 1), seq: 0, floor: 1, closeMs, reopens });
      }
    }
    events.sort((a, b) => a.at - b.at);
    for (const event of events) {
      this.feed(elevator, 'seq' in event ? ({ ...event, seq: ++this.seq } as EngineEvent) : event);
    }
  }

  /** A maintenance visit (or inspection, or a power cut) with a burst of faults inside it. */
  visit(elevator: Elevator, at: number, burst: number, code = 2): void {
    this.feed(elevator, { type: 'checkin', at });
    for (let i = 1; i <= burst; i++) this.fault(elevator, at + i * 60_000, code);
    this.feed(elevator, { type: 'checkout', at: at + HOUR });
  }

  tickets(rule?: string): Ticket[] {
    return this.store.tickets.list({ limit: 1000, ...(rule ? { rule } : {}) }).items;
  }

  /** The warnings: tickets of the hazard category. */
  hazards(): Ticket[] {
    return this.tickets().filter((ticket) => ticket.category === 'hazard');
  }
}
