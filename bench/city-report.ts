import fs from 'node:fs';
import type { CityPlan } from './city-fleet.js';

/** What the parent tells a generator (its argument). */
export interface GeneratorTask {
  readonly index: number;
  readonly plan: CityPlan;
  readonly mqttUrl: string;
  readonly gatewayToken: string;
  /** Gateway connections a second from this generator. */
  readonly connectRate: number;
}

export interface GeneratorStats {
  /** Messages sent (QoS 1). */
  readonly published: number;
  /** Sent but never acknowledged (refused, or no PUBACK in time). */
  readonly errors: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly lateness: LatenessSummary;
  /** Messages due in the window that the generator had not sent when it ended: it fell behind. */
  readonly unsent: number;
}

export type GeneratorMessage =
  | { readonly type: 'ready'; readonly gateways: number; readonly elevators: number }
  | ({ readonly type: 'progress' | 'done' } & GeneratorStats);

/** Non-zero counts only: [milliseconds late, messages]. */
export interface LatenessSummary {
  readonly counts: ReadonlyArray<readonly [number, number]>;
}

/** How far behind the model's schedule the generator sent, counted per millisecond up to a minute. */
const LATENESS_RANGE_MS = 60_000;

export class Lateness {
  private readonly counts = new Array<number>(LATENESS_RANGE_MS + 1).fill(0);

  add(ms: number): void {
    const slot = Math.min(LATENESS_RANGE_MS, Math.max(0, Math.round(ms)));
    this.counts[slot] = (this.counts[slot] as number) + 1;
  }

  summary(): LatenessSummary {
    return { counts: this.counts.flatMap((n, ms) => (n > 0 ? [[ms, n] as const] : [])) };
  }
}

/** The q-quantile (0..1) of per-millisecond counts, summed over generators. */
export function latenessQuantile(summaries: readonly LatenessSummary[], q: number): number | null {
  const counts = new Array<number>(LATENESS_RANGE_MS + 1).fill(0);
  for (const summary of summaries) for (const [ms, n] of summary.counts) counts[ms] = (counts[ms] as number) + n;
  return quantileOfCounts(counts, q);
}

function quantileOfCounts(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [ms, n] of counts.entries()) {
    seen += n;
    if (seen >= q * total) return ms;
  }
  return counts.length - 1;
}

/** The q-quantile of plain samples (ms), nearest rank. */
export function quantile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/** One Prometheus sample value from /metrics text: the series whose name and labels start with `series`. */
export function metricValue(text: string, series: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(series) && (line[series.length] === ' ' || line[series.length] === '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A histogram's cumulative buckets from /metrics text: [upper bound in seconds, count]. */
export function histogramBuckets(text: string, name: string): Array<[number, number]> {
  const pattern = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`);
  return text.split('\n').flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [[Number(match[1]), Number(match[2])] as [number, number]] : [];
  });
}

/**
 * The q-quantile of a Prometheus histogram, interpolated linearly within its bucket (as
 * histogram_quantile does); `before` is subtracted, so a window of the run is measured.
 */
export function histogramQuantile(
  after: ReadonlyArray<[number, number]>,
  before: ReadonlyArray<[number, number]>,
  q: number,
): number | null {
  const counts = after.map(([le, n], i) => [le, n - (before[i]?.[1] ?? 0)] as const);
  const total = counts.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, n] of counts) {
    if (n >= rank) {
      if (!Number.isFinite(le)) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1, n - below);
    }
    lower = le;
    below = n;
  }
  return lower;
}

const KIB = 1024;

/** Resident memory of a process in MiB, from /proc; null once it is gone. */
export function rssMib(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / KIB) : null;
  } catch {
    return null;
  }
}

/** The pid of a child of `parent` with this command name (influxd under liftwatch). */
export function childPid(parent: number, command: string): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === command && ppid === parent) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}
