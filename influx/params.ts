import type { QueryParam } from './types.js';

/**
 * Bound parameters for values that are not plain strings. Statements name them `$from`, `$to`,
 * `$elevators`... and keep constant text: see QueryParam.
 */

/**
 * An epoch-millisecond time for a `time` comparison, as RFC 3339 to the millisecond. (An integer
 * parameter would be nanoseconds, which a JavaScript number holds exactly only up to 2^53.)
 */
export function timeParam(ms: number): QueryParam {
  if (!Number.isFinite(ms)) throw new RangeError(`${ms} is not a time`);
  return new Date(Math.round(ms)).toISOString();
}

/** The times `$from` and `$to` of WITHIN (and of any statement that names them). */
export const windowParams = (from: number, to: number) => ({ from: timeParam(from), to: timeParam(to) });

/** `time > $from AND time <= $to`: a window with windowParams. */
export const WITHIN = 'time > $from AND time <= $to';

/** A duration in milliseconds, e.g. for the offset of `GROUP BY time(1d, $offset)`. */
export const durationParam = (ms: number): QueryParam => ({ duration: `${Math.round(ms)}ms` });

/** Regex metacharacters (and `/`, as Grafana escapes them), each then a literal to RE2. */
export const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** A regex matching exactly one of `values`: InfluxQL has no IN, and one parameter stays short for 10,000 ids. */
export const oneOfParam = (values: readonly string[]): QueryParam => ({
  regex: `^(${values.map(escapeRegex).join('|')})$`,
});
