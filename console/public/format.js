// How the dashboards' values read and what colour they take: units, decimals and value names as
// each panel's field config sets them (GET /api/dashboards/:uid gives it resolved per field),
// times in Asia/Shanghai, Grafana's colour names and palette.

import { language } from './i18n.js';

const TIME_ZONE = 'Asia/Shanghai';
/** Grafana's decimals when a field sets none, near enough: fewer for larger numbers. */
const AUTO_DECIMALS = [
  { from: 100, decimals: 0 },
  { from: 1, decimals: 1 },
  { from: 0, decimals: 2 },
];
const DAY_MS = 86_400_000;

/** Grafana's named colours, as it draws them. */
const NAMED_COLORS = {
  green: '#56a64b',
  orange: '#ff9830',
  red: '#e02f44',
  yellow: '#fade2a',
  blue: '#3274d9',
  purple: '#a352cc',
};
/** Grafana's classic palette: series take these in turn. */
const PALETTE = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642'];

export const paletteColor = (index) => PALETTE[index % PALETTE.length];
export const cssColor = (name) => NAMED_COLORS[name] ?? name;

/** The colour thresholds give a value: the last step it reaches (the first step, null, from below). */
export function thresholdColor(value, steps) {
  if (!steps || typeof value !== 'number') return undefined;
  const step = steps.filter((candidate) => candidate.value === null || value >= candidate.value).at(-1);
  return step ? cssColor(step.color) : undefined;
}

/** A value as the panel shows it: its name if mapped, else the number with its decimals and unit. */
export function formatValue(value, config = {}) {
  if (value === null || value === undefined) return '–';
  const name = config.mappings?.[String(value)];
  if (name !== undefined) return name;
  if (typeof value !== 'number') return String(value);
  const shown = value * (config.factor ?? 1);
  const decimals =
    config.decimals ??
    (Number.isInteger(shown) ? 0 : AUTO_DECIMALS.find(({ from }) => Math.abs(shown) >= from).decimals);
  const number = new Intl.NumberFormat(language(), { maximumFractionDigits: decimals }).format(shown);
  return `${number}${config.suffix ?? ''}`;
}

/** A time on an axis: the day alone when the range spans days, else the hour too. */
export function formatTick(ms, spanMs) {
  const options =
    spanMs > DAY_MS * 2 ? { month: '2-digit', day: '2-digit' } : { day: '2-digit', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(language(), { ...options, timeZone: TIME_ZONE }).format(new Date(ms));
}

/** A time in a table cell or a range. */
export function formatInstant(ms) {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'short', timeStyle: 'short', timeZone: TIME_ZONE }).format(
    new Date(ms),
  );
}
