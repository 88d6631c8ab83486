import type { DataTransformerConfig, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { escapeRegex, timeParam } from '../influx/params.js';
import type { BoundQuery, QueryParam } from '../influx/types.js';
import { MACROS } from './influxql.js';
import type { InfluxQLQuery } from './targets.js';

/**
 * What Grafana does with these dashboards' panels, as far as they use it, so their figures can be
 * computed without a Grafana server: macros and variables interpolated into InfluxQL, results
 * turned into frames (time series named by alias, or tables), math expressions evaluated across
 * targets, and the table transformations applied. Written against Grafana 11.6's behaviour.
 */

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Grafana sizes `$__interval` for about this many points across a panel (its width in pixels). */
const MAX_DATA_POINTS = 1000;
/** The provisioned data source's `timeInterval`: no bucket finer than the telemetry heartbeat. */
const MIN_INTERVAL_MS = 60_000;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** Grafana rounds the raw interval up to one of these. */
const NICE_INTERVALS = ['1m', '2m', '5m', '10m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '7d'];

function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a Grafana interval`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `$__interval` for a panel: the range over the points a panel shows, rounded, never under its min interval. */
export function intervalFor(range: TimeRange, panelInterval?: string): { text: string; ms: number } {
  const raw = (range.toMs - range.fromMs) / MAX_DATA_POINTS;
  const floor = Math.max(MIN_INTERVAL_MS, panelInterval ? durationMs(panelInterval) : 0);
  const text =
    NICE_INTERVALS.find((nice) => durationMs(nice) >= Math.max(raw, floor)) ??
    panelInterval ??
    (NICE_INTERVALS.at(-1) as string);
  return { text, ms: durationMs(text) };
}

/** A variable's selection: several values (or one) chosen from its `SHOW TAG VALUES`. */
export interface Selection {
  readonly values: readonly string[];
  /** Multi-value variables are written as an escaped regex alternation, as Grafana's InfluxDB data source does. */
  readonly multi: boolean;
}

function formatVariable({ values, multi }: Selection): string {
  if (!multi) return values[0] ?? '';
  const escaped = values.map(escapeRegex);
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
}

/** Macros that stand for a condition, written with the range's bound parameters. */
const MACRO_TEXT: ReadonlyArray<readonly [string, string]> = [
  [MACROS.timeFilter, 'time >= $__from AND time <= $__to'],
  [`${MACROS.to}ms`, '$__to'],
  ['${__from}ms', '$__from'],
];

/** `/^$name$/` (a variable as a whole regex, as these dashboards filter tags), or `$name` / `${name}`. */
const REFERENCE = /\/\^\$(?:\{(\w+)\}|(\w+))\$\/|\$\{(\w+)\}|\$(\w+)/g;

/**
 * What Grafana would send, as InfluxDB receives it from liftwatch: Grafana splices the macros'
 * and variables' values into the text; here every one is a bound parameter instead, so a tag
 * value (the variables' values come from the data) cannot change a statement. A variable used as
 * a regex is bound as that regex, with Grafana's escaping of several values.
 */
export function interpolate(
  query: string,
  range: TimeRange,
  interval: { text: string; ms: number },
  variables: Readonly<Record<string, Selection>>,
): BoundQuery {
  const params: Record<string, QueryParam> = {
    __from: timeParam(range.fromMs),
    __to: timeParam(range.toMs),
    __interval: { duration: interval.text },
    __interval_ms: interval.ms,
    __range_s: Math.round((range.toMs - range.fromMs) / UNIT_MS.s),
  };
  let text = query;
  for (const [macro, condition] of MACRO_TEXT) text = text.replaceAll(macro, condition);
  const influxql = text.replace(REFERENCE, (whole, ...names: Array<string | undefined>) => {
    const [inRegex, inRegexBare, braced, bare] = names;
    const name = inRegex ?? inRegexBare ?? braced ?? bare ?? '';
    if (name.startsWith('__') && Object.hasOwn(params, name)) return `$${name}`;
    const selection = variables[name];
    if (!selection)
      throw new Error(`${whole} in "${query}" is neither a Grafana macro nor a variable of the dashboard`);
    const value = formatVariable(selection);
    const bound = inRegex !== undefined || inRegexBare !== undefined ? { regex: `^${value}$` } : value;
    if (Object.hasOwn(params, name) && JSON.stringify(params[name]) !== JSON.stringify(bound))
      throw new Error(`"${query}" uses $${name} both as a regex and as a value`);
    params[name] = bound;
    return `$${name}`;
  });
  return { influxql, params };
}

/** One InfluxDB series as /query returns it. */
export interface Series {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: ReadonlyArray<readonly unknown[]>;
}

export interface Field {
  readonly name: string;
  /** What Grafana shows and what `byName` matches besides the name: the alias, or a rename. */
  displayName?: string;
  readonly values: unknown[];
  readonly labels?: Readonly<Record<string, string>>;
}
export interface Frame {
  readonly refId: string;
  fields: Field[];
}

/** Grafana's series name without an alias: `measurement.column {tag: value}`. */
function seriesName(series: Series, column: string, alias: string | undefined): string {
  const tags = series.tags ?? {};
  if (alias) {
    return alias
      .replace(/\$(?:m|measurement)\b/g, series.name)
      .replace(/\$col\b/g, column)
      .replace(
        /\$tag_(\w+)|\[\[tag_(\w+)\]\]/g,
        (_m, a: string | undefined, b: string | undefined) => tags[a ?? b ?? ''] ?? '',
      );
  }
  const labels = Object.entries(tags).map(([key, value]) => `${key}: ${value}`);
  return `${series.name}.${column}${labels.length > 0 ? ` {${labels.join(', ')}}` : ''}`;
}

/** The frames Grafana's InfluxDB data source makes of a target's series. */
export function toFrames(target: InfluxQLQuery, series: readonly Series[]): Frame[] {
  const refId = target.refId ?? '';
  if (target.resultFormat === 'time_series') {
    return series.flatMap((one) =>
      one.columns.slice(1).map((column, index) => ({
        refId,
        fields: [
          { name: 'Time', values: one.values.map((row) => row[0]) },
          {
            name: 'Value',
            displayName: seriesName(one, column, target.alias),
            labels: one.tags ?? {},
            values: one.values.map((row) => row[index + 1]),
          },
        ],
      })),
    );
  }
  // Table format: one frame, a row per point, the group-by tags as columns after Time.
  const tagKeys = [...new Set(series.flatMap((one) => Object.keys(one.tags ?? {})))];
  const columns = [...new Set(series.flatMap((one) => one.columns.slice(1)))];
  const rows = series.flatMap((one) =>
    one.values.map((row) => [
      row[0],
      ...tagKeys.map((key) => one.tags?.[key] ?? null),
      ...columns.map((column) => row[one.columns.indexOf(column)] ?? null),
    ]),
  );
  return [
    {
      refId,
      fields: ['Time', ...tagKeys, ...columns].map((name, index) => ({ name, values: rows.map((row) => row[index]) })),
    },
  ];
}

/** Whether a frame holds at least one value besides its time. */
export const hasValues = (frame: Frame) =>
  frame.fields.some((field) => field.name !== 'Time' && field.values.some((value) => value !== null));

/** The names `byName` matchers and transformations can refer to. */
export const fieldNames = (frames: readonly Frame[]) =>
  new Set(
    frames.flatMap((frame) =>
      frame.fields.flatMap((field) => [field.name, ...(field.displayName ? [field.displayName] : [])]),
    ),
  );

// ---- math expressions -----------------------------------------------------------------------

interface Numbers {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyMap<number, number>;
}
type Operand = number | Numbers[];

const OPERATIONS: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
};

/** One side's labels contain the other's: how server-side expressions pair series. */
const labelsMatch = (a: Numbers['labels'], b: Numbers['labels']) => {
  const [small, large] = Object.keys(a).length <= Object.keys(b).length ? [a, b] : [b, a];
  return Object.entries(small).every(([key, value]) => large[key] === value);
};

function apply(operator: string, left: Operand, right: Operand): Operand {
  const operation = OPERATIONS[operator] as (a: number, b: number) => number;
  if (typeof left === 'number' && typeof right === 'number') return operation(left, right);
  const mapPoints = (series: Numbers, fn: (time: number, value: number) => number | undefined): Numbers => {
    const points = new Map<number, number>();
    for (const [time, value] of series.points) {
      const result = fn(time, value);
      if (result !== undefined) points.set(time, result);
    }
    return { labels: series.labels, points };
  };
  if (typeof right === 'number') return (left as Numbers[]).map((s) => mapPoints(s, (_t, v) => operation(v, right)));
  if (typeof left === 'number') return right.map((s) => mapPoints(s, (_t, v) => operation(left, v)));
  return left.flatMap((a) =>
    right
      .filter((b) => labelsMatch(a.labels, b.labels))
      .map((b) => {
        const joined = mapPoints(a, (time, value) => {
          const other = b.points.get(time);
          return other === undefined ? undefined : operation(value, other);
        });
        return { ...joined, labels: { ...a.labels, ...b.labels } };
      }),
  );
}

/** The series a target's frames stand for in a math expression: one per frame, by labels, null points dropped. */
export function toNumbers(frames: readonly Frame[]): Numbers[] {
  return frames.map((frame) => {
    const [time, value] = frame.fields as [Field, Field];
    const points = new Map<number, number>();
    time.values.forEach((at, index) => {
      const number = value.values[index];
      if (typeof number === 'number') points.set(at as number, number);
    });
    return { labels: value.labels ?? {}, points };
  });
}

/**
 * A server-side math expression such as `$A / $B * 1000`: `+ - * /`, parentheses, numbers and
 * `$refId`s, evaluated point by point on series with matching labels and timestamps.
 */
export function evaluateMath(expression: string, inputs: Readonly<Record<string, Numbers[]>>): Numbers[] {
  const tokens = expression.match(/\$\w+|\d+(?:\.\d+)?|[-+*/()]/g) ?? [];
  let position = 0;
  const next = () => tokens[position++];
  const peek = () => tokens[position];
  const primary = (): Operand => {
    const token = next();
    if (token === '(') {
      const value = sum();
      if (next() !== ')') throw new Error(`unbalanced parentheses in ${expression}`);
      return value;
    }
    if (token?.startsWith('$')) {
      const input = inputs[token.slice(1)];
      if (!input) throw new Error(`${expression} reads ${token}, which the panel has no target for`);
      return input;
    }
    if (token !== undefined && !Number.isNaN(Number(token))) return Number(token);
    throw new Error(`unexpected "${token}" in ${expression}`);
  };
  const product = (): Operand => {
    let value = primary();
    while (peek() === '*' || peek() === '/') value = apply(next() as string, value, primary());
    return value;
  };
  const sum = (): Operand => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = apply(next() as string, value, product());
    return value;
  };
  const result = sum();
  if (position !== tokens.length) throw new Error(`cannot read ${expression}`);
  if (typeof result === 'number') throw new Error(`${expression} reads no target`);
  return result;
}

// ---- table transformations ------------------------------------------------------------------

const fieldNamed = (frame: Frame, name: string) =>
  frame.fields.find((field) => field.name === name || field.displayName === name);

/**
 * Whether a field name a transformation refers to must be there. Grafana passes over one that is
 * not (a query that returned nothing has no columns: the table shows the others), and so does this
 * when some query returned nothing; when every query returned data, a missing name is a mistake.
 */
type Names = (frames: readonly Frame[], names: Iterable<string>, where: string) => void;

const requireNames: Names = (frames, names, where) => {
  const known = fieldNames(frames);
  for (const name of names) {
    if (!known.has(name))
      throw new Error(`${where} names "${name}", which no query returns (${[...known].join(', ')})`);
  }
};
const passOverNames: Names = () => undefined;

function organize(
  frames: Frame[],
  options: Record<string, Record<string, unknown> | undefined>,
  checkNames: Names,
): Frame[] {
  const excluded = Object.keys(options.excludeByName ?? {});
  const renamed = Object.entries((options.renameByName ?? {}) as Record<string, string>);
  checkNames(
    frames,
    [...excluded, ...renamed.map(([name]) => name), ...Object.keys(options.indexByName ?? {})],
    'organize',
  );
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields
      .filter((field) => !excluded.includes(field.name))
      .map((field) => {
        const rename = renamed.find(([name]) => name === field.name)?.[1];
        return rename ? { ...field, displayName: rename } : field;
      }),
  }));
}

/** Rows of all frames in one table, joined on the fields they have in common (their tags). */
function merge(frames: Frame[]): Frame[] {
  const names = frames.map((frame) => frame.fields.map((field) => field.name));
  const keys = (names[0] ?? []).filter((name) => names.every((list) => list.includes(name)));
  const rows = new Map<string, Map<string, unknown>>();
  for (const frame of frames) {
    const length = frame.fields[0]?.values.length ?? 0;
    for (let index = 0; index < length; index++) {
      const key = JSON.stringify(keys.map((name) => fieldNamed(frame, name)?.values[index]));
      const row = rows.get(key) ?? new Map<string, unknown>();
      for (const field of frame.fields) row.set(field.name, field.values[index]);
      rows.set(key, row);
    }
  }
  const all = [...new Set(names.flat())];
  return [
    {
      refId: frames.map((frame) => frame.refId).join(''),
      fields: all.map((name) => ({ name, values: [...rows.values()].map((row) => row.get(name) ?? null) })),
    },
  ];
}

function calculateField(
  frames: Frame[],
  options: { alias: string; binary: Record<string, string> },
  checkNames: Names,
): Frame[] {
  const { left, operator, right } = options.binary as { left: string; operator: string; right: string };
  const operands = [left, right].filter((operand) => Number.isNaN(Number(operand)));
  checkNames(frames, operands, `calculateField ${options.alias}`);
  const operation = OPERATIONS[operator];
  if (!operation) throw new Error(`calculateField ${options.alias}: no operator ${operator}`);
  return frames.map((frame) => {
    // As Grafana: a frame without an operand is left as it is, without the calculated field.
    if (operands.some((operand) => !fieldNamed(frame, operand))) return frame;
    const values = (operand: string) => fieldNamed(frame, operand)?.values ?? [];
    const length = frame.fields[0]?.values.length ?? 0;
    const side = (operand: string, index: number) =>
      Number.isNaN(Number(operand)) ? (values(operand)[index] as number | null) : Number(operand);
    const result = Array.from({ length }, (_unused, index) => {
      const [a, b] = [side(left, index), side(right, index)];
      return a === null || b === null ? null : operation(a, b);
    });
    return { ...frame, fields: [...frame.fields, { name: options.alias, values: result }] };
  });
}

/**
 * The panel's table after its transformations. With `complete` (every query returned data), every
 * field name they refer to must be there; otherwise those missing are passed over, as Grafana does.
 */
export function transform(
  frames: Frame[],
  transformations: readonly DataTransformerConfig[],
  { complete }: { complete: boolean },
): Frame[] {
  const checkNames = complete ? requireNames : passOverNames;
  return transformations.reduce((current, { id, options }) => {
    switch (id) {
      case 'organize':
        return organize(current, options, checkNames);
      case 'merge':
        return merge(current);
      case 'calculateField':
        return calculateField(current, options, checkNames);
      case 'sortBy':
        checkNames(
          current,
          (options.sort as Array<{ field: string }>).map((sort) => sort.field),
          'sortBy',
        );
        return current;
      default:
        throw new Error(`transformation ${id} is not one these dashboards are checked with`);
    }
  }, frames);
}

/** Field names a panel's field config refers to: `byName` overrides and the table's sort. */
export function referencedNames(panel: Panel): string[] {
  const overrides = (panel.fieldConfig?.overrides ?? [])
    .filter((override) => override.matcher.id === 'byName')
    .map((override) => String(override.matcher.options));
  const sortBy = ((panel.options as { sortBy?: Array<{ displayName: string }> } | undefined)?.sortBy ?? []).map(
    (sort) => sort.displayName,
  );
  return [...overrides, ...sortBy];
}
