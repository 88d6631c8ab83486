import { parseDuration } from '../lib/duration.js';
import { UsageError } from './usage-error.js';

/** A whole number option of at least 1. */
export function parseCount(flag: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`${flag} takes a whole number of at least 1, not ${String(value)}`);
  return count;
}

/** A duration option such as 500ms, 30s, 5m, 2h, 1d. */
export function parseDurationOption(flag: string, value: string | boolean | undefined, fallback: string): number {
  const text = value === undefined ? fallback : String(value);
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new UsageError(`${flag} takes a duration such as 30s, 5m or 2h, not ${text}`);
  return ms;
}

/** `--speed`: simulated (or recorded) seconds per second, or `max`. */
export function parseSpeed(value: string | boolean | undefined): number | 'max' | undefined {
  if (value === undefined) return undefined;
  if (value === 'max') return 'max';
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new UsageError(`--speed takes a positive number or max, not ${String(value)}`);
  return speed;
}
