import { FAULT_SEVERITIES, TICKET_EVENT_TYPES } from '../contract/index.js';
import { REGISTRY_TAGS } from '../ingest/schema.js';

/**
 * A small typed InfluxQL builder for the dashboards: measurements, tags and fields are checked by
 * the compiler against the schema below, and every query gets Grafana's time filter, so a panel
 * cannot read a field that ingest does not write or forget the dashboard's time range.
 */

/** Every measurement the dashboards read, with its tags and fields (ingest/schema.ts and figures/ write them). */
export const MEASUREMENTS = {
  telemetry: {
    tags: REGISTRY_TAGS,
    fields: [
      'seq',
      'mode',
      'floor',
      'direction',
      'doorState',
      'occupied',
      'loadPct',
      'speedMps',
      'runs',
      'runSeconds',
      'doorCycles',
      'ropeBends',
      'inService',
    ],
  },
  faults: { tags: [...REGISTRY_TAGS, 'code', 'severity', 'category'], fields: ['seq', 'floor', 'detail'] },
  doors: { tags: REGISTRY_TAGS, fields: ['seq', 'floor', 'openMs', 'closeMs', 'reopens', 'obstructed'] },
  maintenance: {
    tags: REGISTRY_TAGS,
    fields: ['seq', 'action', 'technician', 'visitContractor', 'kind', 'items'],
  },
  online: { tags: REGISTRY_TAGS, fields: ['seq', 'online'] },
  ticket_events: {
    tags: [...REGISTRY_TAGS, 'rule', 'severity', 'category', 'event'],
    fields: ['ticket', 'occurrences', 'sinceOpenedSeconds', 'deadlineMet'],
  },
  ticket_backlog: { tags: ['insurer', 'severity'], fields: ['open', 'ageUnder1d', 'age1to7d', 'ageOver7d'] },
} as const;

type Schema = typeof MEASUREMENTS;
export type MeasurementName = keyof Schema;
export type FieldOf<M extends MeasurementName> = Schema[M]['fields'][number];
export type TagOf<M extends MeasurementName> = Schema[M]['tags'][number];

/** Tag values the dashboards filter on, typed from the contract so a renamed value fails to compile. */
export type Severity = (typeof FAULT_SEVERITIES)[number];
/** The `event` tag of ticket_events: the webhook event type without its `ticket.` prefix. */
export type TicketEvent = (typeof TICKET_EVENT_TYPES)[number] extends `ticket.${infer E}` ? E : never;

/** The dashboards' template variables: each is named after the registry tag it filters. */
export type Variable = (typeof REGISTRY_TAGS)[number];

/** Grafana's macros, interpolated by Grafana (and by the query test) before InfluxDB sees them. */
export const MACROS = {
  timeFilter: '$timeFilter',
  interval: '$__interval',
  rangeSeconds: '$__range_s',
  /** The end of the dashboard's time range, epoch ms. */
  to: '${__to}',
} as const;

/** Where dashboards show time and InfluxDB cuts days: the pilot's city. */
export const TIMEZONE = 'Asia/Shanghai';

const identifier = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const literal = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A value expression over fields `F`: an aggregate, a raw field, or arithmetic on them.
 * `F` is a phantom type: it records which fields the expression reads.
 */
export class Expr<F extends string> {
  declare private readonly reads?: F;
  constructor(
    readonly text: string,
    /** Arithmetic, so it needs parentheses inside more arithmetic. */
    private readonly compound = false,
  ) {}

  private arithmetic(operator: string, other: number | Expr<F>): Expr<F> {
    const right = typeof other === 'number' ? String(other) : other.wrapped();
    return new Expr(`${this.wrapped()} ${operator} ${right}`, true);
  }
  private wrapped(): string {
    return this.compound ? `(${this.text})` : this.text;
  }

  times(factor: number | Expr<F>): Expr<F> {
    return this.arithmetic('*', factor);
  }
  dividedBy(divisor: number | Expr<F>): Expr<F> {
    return this.arithmetic('/', divisor);
  }
  minus(other: number | Expr<F>): Expr<F> {
    return this.arithmetic('-', other);
  }
  as<A extends string>(alias: A): Column<F, A> {
    return new Column(`${this.text} AS ${identifier(alias)}`);
  }
}

/** A selected, named column: the name panels, transformations and outer queries refer to. */
export class Column<F extends string, A extends string> {
  declare private readonly shape?: [F, A];
  constructor(readonly text: string) {}
}

const call =
  (fn: string) =>
  <F extends string>(field: F): Expr<F> =>
    new Expr(`${fn}(${identifier(field)})`);

export const count = call('count');
export const sum = call('sum');
export const mean = call('mean');
export const last = call('last');
/** max - min in each interval: what a cumulative counter (runs, doorCycles) grew by. */
export const spread = call('spread');
/** A field's raw value, for arithmetic in queries that list points. */
export const field = <F extends string>(name: F): Expr<F> => new Expr(identifier(name));
/** The raw value of a field or tag, for queries that list points. */
export const raw = <F extends string>(name: F): Column<F, F> => new Column(identifier(name));
/** The `n` largest values of `field`, one per combination of `tags` (which come back as columns). */
export const top = <F extends string, T extends string>(field: F, n: number, ...tags: T[]): Expr<F | T> =>
  new Expr(`top(${[field, ...tags].map(identifier).join(', ')}, ${n})`);

/** A WHERE condition over tags `T` and fields `F`. */
export class Condition<T extends string, F extends string> {
  declare private readonly tags?: T;
  declare private readonly fields?: F;
  constructor(readonly text: string) {}
}

export const tagIs = <T extends string>(tag: T, value: string): Condition<T, never> =>
  new Condition(`${identifier(tag)} = ${literal(value)}`);
export const tagIn = <T extends string>(tag: T, values: readonly string[]): Condition<T, never> =>
  new Condition(`(${values.map((value) => `${identifier(tag)} = ${literal(value)}`).join(' OR ')})`);
/** The tag matches the dashboard variable of the same name (one value, several, or All). */
export const matchesVariable = <T extends Variable>(tag: T): Condition<T, never> =>
  new Condition(`${identifier(tag)} =~ /^$${tag}$/`);
export const fieldIs = <F extends string>(field: F, value: string | number | boolean): Condition<never, F> =>
  new Condition(`${identifier(field)} = ${typeof value === 'string' ? literal(value) : String(value)}`);

/** Which part of the time line a query reads. */
type TimeWindow = 'range' | 'untilRangeEnd';
type Fill = 'null' | 'none' | '0' | 'previous' | 'linear';

interface Parts {
  readonly source: string;
  readonly columns: readonly string[];
  readonly conditions: readonly string[];
  readonly window: TimeWindow;
  readonly interval: string | null;
  readonly groupTags: readonly string[];
  readonly fill: Fill | null;
  /** List the newest this many points. */
  readonly newest: number | null;
}

/**
 * A SELECT over fields `F` and tags `T`. `Out` collects the columns' aliases and `G` the
 * group-by tags: what an outer query may read when this one is its subquery.
 */
export class Select<F extends string, T extends string, Out extends string = never, G extends string = never> {
  declare private readonly shape?: [F, T, Out, G];
  constructor(private readonly parts: Parts) {}

  private with<O extends string, H extends string>(change: Partial<Parts>): Select<F, T, O, H> {
    return new Select<F, T, O, H>({ ...this.parts, ...change });
  }

  select<A extends string>(...columns: Column<F | T, A>[]): Select<F, T, Out | A, G> {
    return this.with({ columns: [...this.parts.columns, ...columns.map((column) => column.text)] });
  }

  where(...conditions: Condition<T, F>[]): Select<F, T, Out, G> {
    return this.with({ conditions: [...this.parts.conditions, ...conditions.map((condition) => condition.text)] });
  }

  /** Filters each registry tag by the dashboard variable of the same name. */
  filteredBy(...variables: Array<T & Variable>): Select<F, T, Out, G> {
    return this.where(...variables.map((variable) => matchesVariable(variable)));
  }

  /** Everything up to the end of the range, for "as of now" figures such as who is online. */
  untilRangeEnd(): Select<F, T, Out, G> {
    return this.with({ window: 'untilRangeEnd' });
  }

  /** Buckets of the panel's interval, or a fixed one such as `1d` (cut at Shanghai midnight). */
  byTime(interval: string = MACROS.interval): Select<F, T, Out, G> {
    return this.with({ interval });
  }

  groupBy<K extends T>(...tags: K[]): Select<F, T, Out, G | K> {
    return this.with({ groupTags: [...this.parts.groupTags, ...tags] });
  }

  fill(fill: Fill): Select<F, T, Out, G> {
    return this.with({ fill });
  }

  newestFirst(limit: number): Select<F, T, Out, G> {
    return this.with({ newest: limit });
  }

  /** The statement without tz(), for use as a subquery. */
  private statement(): string {
    const { parts } = this;
    if (parts.columns.length === 0) throw new Error(`a query on ${parts.source} selects nothing`);
    const time = parts.window === 'range' ? MACROS.timeFilter : `time <= ${MACROS.to}ms`;
    const groups = [...(parts.interval ? [`time(${parts.interval})`] : []), ...parts.groupTags.map(identifier)];
    return [
      `SELECT ${parts.columns.join(', ')} FROM ${parts.source}`,
      `WHERE ${[time, ...parts.conditions].join(' AND ')}`,
      groups.length > 0 ? `GROUP BY ${groups.join(', ')}` : '',
      parts.fill ? `fill(${parts.fill})` : '',
      parts.newest === null ? '' : `ORDER BY time DESC LIMIT ${parts.newest}`,
    ]
      .filter(Boolean)
      .join(' ');
  }

  /** This query as the FROM of an outer one, which reads its aliases as fields and its groups as tags. */
  asSource(): Select<Out, G> {
    return new Select<Out, G>({ ...EMPTY, source: `(${this.statement()})` });
  }

  /** The whole statement, its days and hours cut in Shanghai time. */
  toString(): string {
    return `${this.statement()} tz(${literal(TIMEZONE)})`;
  }
}

/** Any query, whatever it reads: what a panel target takes. */
export type AnySelect = Select<string, string, string, string>;

const EMPTY: Omit<Parts, 'source'> = {
  columns: [],
  conditions: [],
  window: 'range',
  interval: null,
  groupTags: [],
  fill: null,
  newest: null,
};

export function from<M extends MeasurementName>(measurement: M): Select<FieldOf<M>, TagOf<M>> {
  return new Select({ ...EMPTY, source: identifier(measurement) });
}

/** `SHOW TAG VALUES` for a variable's choices, narrowed by the variables it depends on. */
export function tagValues<M extends MeasurementName>(
  measurement: M,
  key: TagOf<M>,
  ...narrowedBy: Array<TagOf<M> & Variable>
): string {
  const where = narrowedBy.map((variable) => matchesVariable(variable).text);
  return [
    `SHOW TAG VALUES FROM ${identifier(measurement)} WITH KEY = ${identifier(key)}`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
