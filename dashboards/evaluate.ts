import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  evaluateMath,
  hasValues,
  interpolate,
  intervalFor,
  toFrames,
  toNumbers,
  transform,
  type Frame,
  type Selection,
  type Series,
  type TimeRange,
} from './grafana.js';
import type { BoundQuery } from '../influx/types.js';
import { DATASOURCE, type InfluxQLQuery } from './targets.js';

/** Runs one InfluxQL statement with its bound parameters, times as epoch milliseconds. */
export type Query = (query: BoundQuery) => Promise<Series[]>;

/** A target of Grafana's server-side expressions; these dashboards use math only. */
interface ExpressionTarget {
  readonly refId: string;
  readonly type: string;
  readonly expression: string;
  readonly datasource: { readonly uid: string };
}
type Target = InfluxQLQuery | ExpressionTarget;

export type MathResult = ReturnType<typeof evaluateMath>;

export interface PanelEvaluation {
  /** Each InfluxQL target by refId: the statement InfluxDB ran, its parameters, and the frames made of its answer. */
  readonly queries: Readonly<Record<string, BoundQuery & { readonly frames: Frame[] }>>;
  /** Each math expression's series, by refId. */
  readonly expressions: Readonly<Record<string, MathResult>>;
  /** What the panel draws: its visible targets and expressions as frames, after its transformations. */
  readonly frames: Frame[];
}

const isInflux = (target: Target): target is InfluxQLQuery => target.datasource.uid === DATASOURCE.uid;

/** An expression's series as Grafana hands them to a panel: a frame each, its value field named by the refId. */
function mathFrames(refId: string, result: MathResult): Frame[] {
  return result.map(({ labels, points }) => {
    const times = [...points.keys()].sort((a, b) => a - b);
    return {
      refId,
      fields: [
        { name: 'Time', values: times },
        { name: refId, labels, values: times.map((time) => points.get(time)) },
      ],
    };
  });
}

/**
 * A panel as Grafana computes it: its InfluxQL targets interpolated and run (at once), its math
 * expressions evaluated over them, and its transformations applied to what it shows.
 */
export async function evaluatePanel(
  panel: Panel,
  range: TimeRange,
  variables: Readonly<Record<string, Selection>>,
  query: Query,
): Promise<PanelEvaluation> {
  const interval = intervalFor(range, panel.interval);
  const targets = (panel.targets ?? []) as unknown as Target[];
  const answered = await Promise.all(
    targets.filter(isInflux).map(async (target) => {
      const bound = interpolate(target.query, range, interval, variables);
      return [target.refId ?? '', { ...bound, frames: toFrames(target, await query(bound)) }] as const;
    }),
  );
  const queries = Object.fromEntries(answered);
  // Read only where an expression needs them: a table's frames are no series to compute with.
  const inputs = () => Object.fromEntries(answered.map(([refId, { frames }]) => [refId, toNumbers(frames)]));
  const expressions: Record<string, MathResult> = {};
  const shown: Frame[] = [];
  for (const target of targets) {
    if (isInflux(target)) {
      if (!target.hide) shown.push(...(queries[target.refId ?? '']?.frames ?? []));
      continue;
    }
    if (target.type !== 'math')
      throw new Error(`${panel.title}: expression ${target.refId} is ${target.type}, not math`);
    expressions[target.refId] = evaluateMath(target.expression, inputs());
    shown.push(...mathFrames(target.refId, expressions[target.refId] ?? []));
  }
  // Without a value there is nothing to transform: Grafana then shows "No data", not an error.
  const complete = answered.every(([, { frames: answer }]) => answer.some(hasValues));
  const frames = shown.some(hasValues) ? transform(shown, panel.transformations ?? [], { complete }) : [];
  return { queries, expressions, frames };
}
