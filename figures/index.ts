import type { TicketEvent } from '../contract/index.js';
import { encodeLine, type FieldType, type FieldValue } from '../influx/line-protocol.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';

/**
 * The figures the dashboards show that are not device messages, written to InfluxDB so Grafana
 * needs no second data source: every ticket event (`ticket_events`, with the time since the
 * ticket was created, for SLA panels) and a snapshot of the open backlog (`ticket_backlog`).
 */
export const TICKET_EVENTS_MEASUREMENT = 'ticket_events';
export const BACKLOG_MEASUREMENT = 'ticket_backlog';

const CURSOR = 'influx:ticket_events';
const EVENT_PREFIX = 'ticket.';
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

const EVENT_FIELD_TYPES: Readonly<Record<string, FieldType>> = {
  ticket: 'string',
  occurrences: 'integer',
  sinceOpenedSeconds: 'float',
  deadlineMet: 'boolean',
};
const BACKLOG_FIELD_TYPES: Readonly<Record<string, FieldType>> = {
  open: 'integer',
  ageUnder1d: 'integer',
  age1to7d: 'integer',
  ageOver7d: 'integer',
};

export interface FiguresOptions {
  readonly store: Store;
  readonly telemetry: TelemetryStore;
  readonly logger: Logger;
  /** How often new ticket events are copied. Default 1 s. */
  readonly pollMs?: number;
  /** How often the backlog is written. Default 5 min. */
  readonly backlogEveryMs?: number;
  /** Events per write. Default 1000. */
  readonly batchSize?: number;
}

export const FIGURES_DEFAULTS = { pollMs: SECOND_MS, backlogEveryMs: 5 * MINUTE_MS, batchSize: 1000 } as const;

/** One ticket event as a point; the time is when it happened. */
export function ticketEventLine(event: TicketEvent): string {
  const { ticket } = event;
  const at = Date.parse(event.at);
  const fields: Record<string, FieldValue> = {
    ticket: ticket.id,
    occurrences: ticket.occurrenceCount,
    sinceOpenedSeconds: (at - Date.parse(ticket.createdAt)) / SECOND_MS,
  };
  if (event.type === 'ticket.on_site' && ticket.deadlineAt !== null && ticket.arrived.at !== null) {
    fields.deadlineMet = Date.parse(ticket.arrived.at) <= Date.parse(ticket.deadlineAt);
  }
  return encodeLine(
    {
      measurement: TICKET_EVENTS_MEASUREMENT,
      tags: {
        elevator: ticket.elevator,
        district: ticket.district,
        use_unit: ticket.useUnit,
        insurer: ticket.insurer,
        contractor: ticket.contractor,
        rule: ticket.rule,
        severity: ticket.severity,
        category: ticket.category,
        event: event.type.slice(EVENT_PREFIX.length),
      },
      fields,
      timeMs: at,
    },
    EVENT_FIELD_TYPES,
  );
}

export interface Figures {
  start(): void;
  stop(): Promise<void>;
  /** Copies the ticket events not yet copied; resolves to how many. */
  copyEvents(): Promise<number>;
  /** Writes the open backlog as of `now`. */
  writeBacklog(now?: Date): Promise<void>;
}

export function build(options: FiguresOptions): Figures {
  const { store, telemetry, logger } = options;
  const settings = {
    pollMs: options.pollMs ?? FIGURES_DEFAULTS.pollMs,
    backlogEveryMs: options.backlogEveryMs ?? FIGURES_DEFAULTS.backlogEveryMs,
    batchSize: options.batchSize ?? FIGURES_DEFAULTS.batchSize,
  };
  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();

  const copyEvents = async (): Promise<number> => {
    let copied = 0;
    for (;;) {
      const after = store.cursors.get(CURSOR);
      const page = store.deliveries.events({ after, limit: settings.batchSize }, {});
      if (page.items.length === 0) return copied;
      await telemetry.write(page.items.map(ticketEventLine));
      // The cursor moves only after InfluxDB took them: a failed write is tried again next time.
      store.cursors.set(CURSOR, page.items.at(-1)!.id);
      copied += page.items.length;
    }
  };

  const writeBacklog = async (now = new Date()): Promise<void> => {
    const lines = store.tickets
      .backlog(now)
      .map(({ insurer, severity, ...counts }) =>
        encodeLine(
          { measurement: BACKLOG_MEASUREMENT, tags: { insurer, severity }, fields: counts, timeMs: now.getTime() },
          BACKLOG_FIELD_TYPES,
        ),
      );
    if (lines.length > 0) await telemetry.write(lines);
  };

  const queued = new Set<string>();
  /** One job at a time, each at most once in the queue; a failure is logged and the next tick tries again. */
  const run = (name: string, job: () => Promise<unknown>) => {
    if (queued.has(name)) return;
    queued.add(name);
    running = running
      .then(() => job())
      .catch((error: unknown) => logger.warn({ err: error }, `figures: ${name} failed`))
      .finally(() => queued.delete(name));
  };

  return {
    start() {
      run('ticket events', copyEvents);
      run('backlog', writeBacklog);
      timers.push(setInterval(() => run('ticket events', copyEvents), settings.pollMs));
      timers.push(setInterval(() => run('backlog', writeBacklog), settings.backlogEveryMs));
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await running;
    },
    copyEvents,
    writeBacklog,
  };
}
