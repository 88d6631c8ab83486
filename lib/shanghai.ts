/** Asia/Shanghai has no daylight saving: local time is always UTC+8. */
const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Local hour (0-23) and whether it is a weekend, in Asia/Shanghai. */
export function shanghaiClock(epochMs: number): { hour: number; weekend: boolean } {
  const local = new Date(epochMs + OFFSET_MS);
  const day = local.getUTCDay();
  return { hour: local.getUTCHours(), weekend: day === 0 || day === 6 };
}

/** Start of the Shanghai day containing `epochMs`, as epoch ms. */
export function shanghaiMidnight(epochMs: number): number {
  return Math.floor((epochMs + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
}

/** Start of the Shanghai week (Monday 00:00) containing `epochMs`. */
export function shanghaiMonday(epochMs: number): number {
  const midnight = shanghaiMidnight(epochMs);
  const weekday = (new Date(midnight + OFFSET_MS).getUTCDay() + 6) % 7;
  return midnight - weekday * DAY_MS;
}

/** Start of the Shanghai month containing `epochMs`, or `monthsAgo` months before it. */
export function shanghaiMonthStart(epochMs: number, monthsAgo = 0): number {
  const local = new Date(epochMs + OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - monthsAgo, 1) - OFFSET_MS;
}

/** The Shanghai calendar date (`YYYY-MM-DD`) of `epochMs`. */
export function shanghaiDate(epochMs: number): string {
  return new Date(epochMs + OFFSET_MS).toISOString().slice(0, 10);
}

/** The Shanghai year [start, end) as epoch ms: 1 January 00:00 to the next 1 January 00:00. */
export function shanghaiYear(year: number): { start: number; end: number } {
  return { start: Date.UTC(year, 0, 1) - OFFSET_MS, end: Date.UTC(year + 1, 0, 1) - OFFSET_MS };
}
