import {
  OFFLINE,
  decodePayload,
  type DecodedMessage,
  type DecodeResult,
  type Elevator,
  type TopicKind,
} from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import { gapLine, messageLine, registryTagSet } from '../ingest/schema.js';
import { SequenceTracker } from '../ingest/sequence.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { RulesEngine } from '../rules/engine.js';
import { Scanner } from '../rules/scanner.js';
import { openScratchStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { ElevatorModel, type ModelEvent } from './model/elevator.js';
import { planElevator } from './model/plan.js';
import type { Scenario } from './scenario.js';
import type { ScoredTicket } from './score.js';
import type { TruthRecord } from './truth.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const TICKET_PAGE = 1000;

/**
 * How much of the traffic goes through the contract's decoder before the engine sees it.
 * `every-message`: all of it, as ingest does (the payload's JSON through `decodePayload`).
 * `trust-telemetry`: every fault, door cycle, visit and presence flag, but telemetry (94% of the
 * traffic, a third of a run's time) as the model made it: for tuning loops. The quality benchmark
 * decodes every message.
 */
export const VALIDATIONS = ['every-message', 'trust-telemetry'] as const;
export type Validation = (typeof VALIDATIONS)[number];

export const EVALUATION_DEFAULTS = {
  validation: 'every-message' as Validation,
  /** Lines per InfluxDB write, as ingest's batches (LW_BATCH_SIZE's default). */
  linesPerWrite: 5000,
  /** Writes in flight at once: InfluxDB takes them on its own cores while the model runs on. */
  writesInFlight: 4,
} as const;

/** The token hash the scratch registry keeps: nothing here authenticates. */
const NO_TOKEN = 'evaluation';

export interface EvaluationOptions {
  /** The fleet, its seed and its start (epoch ms): the same scenario gives the same traffic as `liftwatch simulate`. */
  readonly scenario: Scenario;
  readonly validation?: Validation;
  /**
   * Also write every point ingest would write into this InfluxDB database (which should be empty),
   * and run the scheduled rules as of the end of each simulated day. Without it, only the stream
   * rules run.
   */
  readonly telemetry?: TelemetryStore;
  readonly logger?: Logger;
  /** Told as each simulated day ends (progress). */
  readonly onDay?: (asOf: number) => void;
}

export interface EvaluationStats {
  /** Messages the elevators sent (none while their terminal is offline), wills included. */
  readonly messages: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** Messages the contract refused: the real path dead-letters them, so the engine never sees them. */
  readonly rejected: number;
  /** Messages an observer of ingest (the engine) threw on: logged and counted, as ingest does. */
  readonly engineErrors: number;
  readonly points: number;
  readonly scans: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

export interface Evaluation {
  readonly scenario: string;
  readonly seed: number;
  readonly elevators: number;
  /** Simulated span, ISO. */
  readonly from: string;
  readonly to: string;
  readonly validation: Validation;
  /** Whether the scheduled rules ran (InfluxDB given). */
  readonly scheduled: boolean;
  readonly truth: TruthRecord[];
  readonly tickets: ScoredTicket[];
  readonly stats: EvaluationStats;
}

/**
 * Every ticket of a store as scoring reads it: category, openedAt and the occurrences' times;
 * with `eventClock` (the store's engine ran on the simulation's clock, as evaluate's does) also
 * when each was made, which is when it first warned.
 */
export function storedTickets(store: Store, { eventClock = false }: { eventClock?: boolean } = {}): ScoredTicket[] {
  const tickets: ScoredTicket[] = [];
  for (let after: string | null = ''; after !== null;) {
    const page = store.tickets.list({ limit: TICKET_PAGE, after: after || undefined });
    for (const { id } of page.items) {
      const ticket = store.tickets.get(id);
      if (!ticket) continue;
      const { elevator, rule, category, openedAt, createdAt, occurrences } = ticket;
      tickets.push({
        id,
        elevator,
        rule,
        category,
        openedAt,
        ...(eventClock ? { madeAt: createdAt } : {}),
        occurrences: occurrences.map(({ at }) => ({ at })),
      });
    }
    after = page.next;
  }
  return tickets;
}

/** Lines for InfluxDB, written in batches with a few writes in flight while the simulation goes on. */
class PointWriter {
  private lines: string[] = [];
  private readonly inflight = new Set<Promise<void>>();
  written = 0;

  constructor(private readonly telemetry: TelemetryStore) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= EVALUATION_DEFAULTS.linesPerWrite) this.send();
  }

  /** Waits while InfluxDB is behind: too many writes in flight. */
  async room(): Promise<void> {
    while (this.inflight.size >= EVALUATION_DEFAULTS.writesInFlight) await Promise.race(this.inflight);
  }

  /** Everything pushed so far is in InfluxDB; a write that failed throws here. */
  async flush(): Promise<void> {
    this.send();
    await Promise.all(this.inflight);
  }

  private send(): void {
    if (this.lines.length === 0) return;
    const batch = this.lines;
    this.lines = [];
    const write = this.telemetry.write(batch).then(() => {
      this.written += batch.length;
      this.inflight.delete(write);
    });
    this.inflight.add(write);
  }
}

interface Device {
  readonly model: ElevatorModel;
  readonly elevator: Elevator;
  readonly tagSet: string;
  /** Between a disconnect and its reconnect nothing is sent, as the fleet does. */
  offline: boolean;
}

/** The device's counter and time, where the payload has them (a bare 0/1 presence flag has neither), as ingest reads them. */
const sequenceOf = (message: DecodedMessage) =>
  typeof message.payload === 'object' && 'seq' in message.payload ? message.payload.seq : null;
const pointTime = (message: DecodedMessage, receivedAt: number) =>
  typeof message.payload === 'object' && 'ts' in message.payload ? message.payload.ts : receivedAt;

/**
 * The rules' tickets for a scenario, without MQTT: the simulator's elevator models run in this
 * process, minute by minute in event-time order across the fleet (as `liftwatch simulate` sends
 * them), and each message a device would send goes where ingest puts it: through the contract's
 * decoder and the same duplicate/gap check, to a RulesEngine over a scratch store (the engine
 * ingest feeds, with every rule of the registry), and, when InfluxDB is given, as the same lines
 * into InfluxDB, with the scheduled rules scanned as of each simulated day's end. An offline
 * terminal sends nothing; its will (a bare 0 on its presence topic) is timed at the disconnect.
 * Tickets' openedAt are event times, so they are what a real liftwatch opens for the same traffic.
 */
export async function evaluate(options: EvaluationOptions): Promise<Evaluation> {
  const { scenario, telemetry } = options;
  const validation = options.validation ?? EVALUATION_DEFAULTS.validation;
  const logger = options.logger ?? createLogger('silent');
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const end = scenario.fromMs + scenario.duration;
  const store = openScratchStore();
  try {
    const models = Array.from(
      { length: scenario.fleet.elevators },
      (_, index) => new ElevatorModel(planElevator(scenario, index), scenario),
    );
    store.elevators.registerMany(
      models.map((model) => ({ registration: model.plan.registration, tokenHash: NO_TOKEN })),
    );
    const devices: Device[] = models.map((model) => {
      const elevator = store.elevators.get(model.id) as Elevator;
      return { model, elevator, tagSet: registryTagSet(elevator), offline: false };
    });
    let clock = scenario.fromMs;
    const engine = new RulesEngine({ store, logger, now: () => new Date(clock) });
    const scanner =
      telemetry &&
      new Scanner({
        store,
        telemetry,
        logger,
        onOpened: (rule, elevator) => engine.expectSettlement(rule, elevator),
      });
    const points = telemetry && new PointWriter(telemetry);
    const sequences = new SequenceTracker(devices.length);
    const truth: TruthRecord[] = [];
    const byKind: Record<string, number> = {};
    let rejected = 0;
    let engineErrors = 0;
    let scans = 0;

    const decode = (kind: TopicKind, payload: object | number): DecodeResult =>
      validation === 'trust-telemetry' && kind === 'telemetry'
        ? { ok: true, message: { kind, payload } as DecodedMessage }
        : decodePayload(kind, JSON.stringify(payload));

    /** What ingest does with one message of a registered elevator, arrived at `receivedAt`. */
    function take(device: Device, kind: TopicKind, payload: object | number, receivedAt: number) {
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      const decoded = decode(kind, payload);
      if (!decoded.ok) {
        rejected++;
        return;
      }
      const { message } = decoded;
      const seq = sequenceOf(message);
      const { elevator } = device;
      let gap = 0;
      if (seq !== null) {
        const verdict = sequences.observe(elevator.id, seq, pointTime(message, receivedAt));
        if (verdict.kind === 'duplicate') return;
        if (verdict.kind === 'new') gap = verdict.missing;
      }
      try {
        engine.onMessage(message, elevator);
      } catch (error) {
        engineErrors++;
        logger.error({ err: error, elevator: elevator.id, kind }, 'the rules engine failed on a message');
      }
      if (!points) return;
      points.push(messageLine(message, device, receivedAt));
      if (gap > 0) points.push(gapLine(elevator, gap, pointTime(message, receivedAt)));
    }

    function act(device: Device, event: ModelEvent) {
      clock = event.at;
      if (event.type === 'message') {
        if (!device.offline) take(device, event.kind, event.payload, event.at);
      } else if (event.type === 'disconnect') {
        device.offline = true;
        take(device, 'online', OFFLINE, event.at);
      } else {
        device.offline = false;
      }
    }

    let simulatedTo = scenario.fromMs;
    for (let tick = scenario.fromMs; tick < end; tick += MINUTE_MS) {
      const due: Array<[Device, ModelEvent]> = [];
      for (const device of devices) {
        for (const event of device.model.advance(tick + MINUTE_MS)) due.push([device, event]);
        truth.push(...device.model.takeTruth());
      }
      due.sort((a, b) => a[1].at - b[1].at);
      for (const [device, event] of due) act(device, event);
      simulatedTo = tick + MINUTE_MS;
      const sinceStart = simulatedTo - scenario.fromMs;
      if (points && sinceStart % HOUR_MS === 0) {
        // Lets InfluxDB's writes go out while the simulation goes on, and waits when it is behind.
        await new Promise((resolve) => setImmediate(resolve));
        await points.room();
      }
      if (sinceStart % DAY_MS !== 0) continue;
      if (scanner && points) {
        await points.flush();
        clock = simulatedTo;
        for (const rule of scanner.rules) {
          await scanner.scan(rule, simulatedTo, new Date(simulatedTo));
          scans++;
        }
      }
      options.onDay?.(simulatedTo);
    }
    for (const device of devices) {
      truth.push(...device.model.finish());
      if (!device.offline) take(device, 'online', device.model.goodbye(simulatedTo), simulatedTo);
    }
    await points?.flush();
    const cpu = process.cpuUsage(cpuStart);
    return {
      scenario: scenario.name,
      seed: scenario.seed,
      elevators: devices.length,
      from: new Date(scenario.fromMs).toISOString(),
      to: new Date(simulatedTo).toISOString(),
      validation,
      scheduled: scanner !== undefined,
      truth,
      tickets: storedTickets(store, { eventClock: true }),
      stats: {
        messages: Object.values(byKind).reduce((sum, count) => sum + count, 0),
        byKind,
        rejected,
        engineErrors,
        points: points?.written ?? 0,
        scans,
        wallSeconds: (performance.now() - wallStart) / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      },
    };
  } finally {
    store.close();
  }
}
