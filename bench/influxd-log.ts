/**
 * What influxd did in the background during a run, read from its log (logfmt, one event a
 * line): its cache snapshots and its TSM compactions by level. A run's ingest lag is set by
 * these: a compaction of a higher level rewrites every series and holds a core for tens of
 * seconds, the cache snapshots go on meanwhile, and InfluxDB takes writes more slowly.
 */

const MS_PER_SECOND = 1000;

export interface Housekeeping {
  readonly snapshots: { readonly count: number; readonly seconds: number; readonly longestSeconds: number };
  /** By level, lowest first: how many ended in the run, and the longest (with when it started, s into the run). */
  readonly compactions: ReadonlyArray<{
    /** `1` to `4` for the level strategy, `full` for a full or optimising one. */
    readonly level: string;
    readonly count: number;
    readonly longestSeconds: number;
    readonly longestStartedAtSecond: number;
  }>;
}

const field = (line: string, name: string) => new RegExp(`\\b${name}=("[^"]*"|\\S+)`).exec(line)?.[1];

/** influxd writes durations as `920.445ms` (or `1.5s`, `750µs`). */
function seconds(duration: string | undefined): number {
  const match = /^([\d.]+)(µs|ms|s)$/.exec(duration ?? '');
  if (!match) return Number.NaN;
  const scale = { µs: 1e-6, ms: 1e-3, s: 1 }[match[2] as 'µs' | 'ms' | 's'];
  return Number(match[1]) * scale;
}

/** The events that ended at or after `sinceMs` (epoch ms). */
export function housekeepingIn(log: string, sinceMs: number): Housekeeping {
  const snapshots = { count: 0, seconds: 0, longestSeconds: 0 };
  const byLevel = new Map<string, { count: number; longestSeconds: number; longestStartedAtSecond: number }>();
  for (const line of log.split('\n')) {
    const snapshot = line.includes('msg="Cache snapshot (end)"');
    const compaction = line.includes('msg="TSM compaction (end)"');
    if (!snapshot && !compaction) continue;
    const endedAt = Date.parse(field(line, 'ts') ?? '');
    const took = seconds(field(line, 'op_elapsed'));
    if (!(endedAt >= sinceMs) || !Number.isFinite(took)) continue;
    if (snapshot) {
      snapshots.count++;
      snapshots.seconds += took;
      snapshots.longestSeconds = Math.max(snapshots.longestSeconds, took);
      continue;
    }
    const level = field(line, 'tsm1_strategy') === 'level' ? (field(line, 'tsm1_level') ?? '?') : 'full';
    const entry = byLevel.get(level) ?? { count: 0, longestSeconds: 0, longestStartedAtSecond: 0 };
    entry.count++;
    if (took > entry.longestSeconds) {
      entry.longestSeconds = took;
      entry.longestStartedAtSecond = (endedAt - sinceMs) / MS_PER_SECOND - took;
    }
    byLevel.set(level, entry);
  }
  const compactions = [...byLevel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([level, entry]) => ({ level, ...entry }));
  return { snapshots, compactions };
}
