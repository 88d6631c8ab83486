import type { DynamicConfigValue, FieldConfig, Panel, ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import type { FieldDisplay, PreviewField, PreviewFrame, PreviewPanel } from '../contract/index.js';
import type { Field, Frame } from './grafana.js';

/**
 * A panel's frames made ready to draw, as Grafana prepares them for its visualisations: each
 * field's display name and field config (defaults, then overrides by name), tables sorted,
 * stat and bar gauge series reduced to their last value, and no more points than a chart shows.
 */

/** Points a series keeps in a chart; Grafana's own `$__interval` aims at about as many. */
const MAX_POINTS_PER_SERIES = 1000;
/** Rows a table keeps: a few pages of what Grafana shows. */
export const MAX_TABLE_ROWS = 200;

const TIME = 'Time';
const PERCENT = 100;
type Value = PreviewField['values'][number];

function mappingsOf(mappings: readonly ValueMapping[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const mapping of mappings) {
    if (mapping.type !== 'value') continue;
    for (const [value, result] of Object.entries(mapping.options)) if (result.text) names[value] = result.text;
  }
  return names;
}

/** Grafana's units as these dashboards use them: none, percentages, and custom `suffix:` text. */
function unitOf(unit: string): Pick<FieldDisplay, 'suffix' | 'factor'> {
  if (unit === 'none') return {};
  if (unit === 'percent') return { suffix: '%' };
  // A share of one (0.5), shown as a percentage (50%).
  if (unit === 'percentunit') return { suffix: '%', factor: PERCENT };
  return { suffix: unit.startsWith('suffix:') ? unit.slice('suffix:'.length) : ` ${unit}` };
}

/** Drill-down links of the form `/d/<uid>?var-<name>=${__value.raw}`: the value opens that dashboard. */
const LINK = /^\/d\/([\w-]+)\?var-(\w+)=\$\{__value\.raw\}/;

/** One field config property (a default or an override) onto what the preview keeps of it. */
function applyProperty(display: FieldDisplay, { id, value }: DynamicConfigValue): FieldDisplay {
  if (value === undefined) return display;
  switch (id) {
    case 'unit':
      return { ...display, ...unitOf(String(value)) };
    case 'decimals':
      return { ...display, decimals: Number(value) };
    case 'mappings':
      return { ...display, mappings: mappingsOf(value as ValueMapping[]) };
    case 'color':
      return (value as FieldConfig['color'])?.fixedColor ? { ...display, color: value.fixedColor } : display;
    case 'thresholds':
      return { ...display, thresholds: (value as NonNullable<FieldConfig['thresholds']>).steps };
    case 'links': {
      const match = LINK.exec((value as Array<{ url?: string }>)[0]?.url ?? '');
      return match ? { ...display, link: { dashboard: match[1] as string, variable: match[2] as string } } : display;
    }
    default:
      return display;
  }
}

const DEFAULT_PROPERTIES = ['unit', 'decimals', 'mappings', 'color', 'thresholds', 'links'] as const;

function configOf(panel: Panel, name: string, displayName: string): FieldDisplay {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const fromDefaults = DEFAULT_PROPERTIES.reduce<FieldDisplay>(
    (display, id) => applyProperty(display, { id, value: defaults[id] }),
    {},
  );
  return (panel.fieldConfig?.overrides ?? [])
    .filter(({ matcher }) => matcher.id === 'byName' && [name, displayName].includes(String(matcher.options)))
    .flatMap(({ properties }) => properties)
    .reduce(applyProperty, fromDefaults);
}

/** The name a legend or column header shows: the panel's display name template, else the frame's own. */
function displayNameOf(panel: Panel, frame: Frame, field: Field): string {
  const template = panel.fieldConfig?.defaults.displayName;
  const labels = field.labels ?? {};
  if (template && field.name !== TIME) {
    return template
      .replace(/\$\{__field\.labels\.(\w+)\}/g, (_whole, key: string) => labels[key] ?? '')
      .replaceAll('${__field.name}', field.name);
  }
  if (field.displayName) return field.displayName;
  // An expression's series is named by its refId; its labels tell them apart.
  const values = Object.values(labels);
  return field.name === frame.refId && values.length > 0 ? values.join(' ') : field.name;
}

/** JSON has no NaN or Infinity (a division by zero): they are shown as no value, like a gap. */
const jsonValue = (value: unknown): Value =>
  typeof value === 'number' ? (Number.isFinite(value) ? value : null) : ((value ?? null) as Value);

function prepare(panel: Panel, frame: Frame): PreviewFrame {
  return {
    refId: frame.refId,
    fields: frame.fields.map((field) => {
      const displayName = displayNameOf(panel, frame, field);
      return {
        name: field.name,
        displayName,
        ...(field.labels ? { labels: { ...field.labels } } : {}),
        // Times are drawn as times: units and value names are for the values.
        config: field.name === TIME ? {} : configOf(panel, field.name, displayName),
        values: field.values.map(jsonValue),
      };
    }),
  };
}

/** Keeps the rows at `indexes` of every field. */
const pick = (frame: PreviewFrame, indexes: readonly number[]): PreviewFrame => ({
  ...frame,
  fields: frame.fields.map((field) => ({ ...field, values: indexes.map((index) => field.values[index] ?? null) })),
});
const rowCount = (frame: PreviewFrame) => frame.fields[0]?.values.length ?? 0;
const isValue = (value: Value) => value !== null;

/**
 * Points in time order, as Grafana sorts them before it draws: InfluxDB 1.6 answers a subquery
 * shard by shard (a week each), so a series may come as several runs of points, each in order.
 */
function byTime(frame: PreviewFrame): PreviewFrame {
  const times = frame.fields.find((field) => field.name === TIME)?.values;
  if (!times || times.every((time, index) => index === 0 || Number(times[index - 1]) <= Number(time))) return frame;
  const order = times.map((_time, index) => index).sort((a, b) => Number(times[a]) - Number(times[b]));
  return pick(frame, order);
}

/** Each series at its last non-null value: what a stat or bar gauge reduced with `lastNotNull` shows. */
function lastNotNull(frame: PreviewFrame): PreviewFrame {
  const value = frame.fields.find((field) => field.name !== TIME);
  const last = value ? value.values.findLastIndex(isValue) : -1;
  return pick(frame, last < 0 ? [] : [last]);
}

/** Every n-th point, and the last, when a series has more than a chart can show. */
function thinned(frame: PreviewFrame): PreviewFrame {
  const count = rowCount(frame);
  if (count <= MAX_POINTS_PER_SERIES) return frame;
  const step = Math.ceil(count / MAX_POINTS_PER_SERIES);
  const indexes = Array.from({ length: Math.ceil(count / step) }, (_unused, index) => index * step);
  if (indexes.at(-1) !== count - 1) indexes[indexes.length - 1] = count - 1;
  return pick(frame, indexes);
}

interface Sort {
  readonly name: string;
  readonly desc: boolean;
}

/** The table's sort: the panel's own (a header clicked in Grafana), else a sortBy transformation's. */
function sortOf(panel: Panel): Sort | undefined {
  const option = (panel.options as { sortBy?: Array<{ displayName: string; desc?: boolean }> } | undefined)?.sortBy;
  if (option?.[0]) return { name: option[0].displayName, desc: option[0].desc ?? false };
  const transformation = panel.transformations?.find(({ id }) => id === 'sortBy');
  const first = (transformation?.options as { sort?: Array<{ field: string; desc?: boolean }> } | undefined)?.sort?.[0];
  return first ? { name: first.field, desc: first.desc ?? false } : undefined;
}

/** Grafana's table: the first frame, sorted, its first rows. */
function tableOf(frame: PreviewFrame | undefined, sort: Sort | undefined): PreviewFrame[] {
  if (!frame) return [];
  const key = frame.fields.find((field) => sort && (field.displayName === sort.name || field.name === sort.name));
  const order = Array.from({ length: rowCount(frame) }, (_unused, index) => index);
  if (key && sort) {
    const direction = sort.desc ? -1 : 1;
    order.sort((a, b) => {
      const [left, right] = [key.values[a] ?? null, key.values[b] ?? null];
      if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
      return (left < right ? -1 : left > right ? 1 : 0) * direction;
    });
  }
  return [pick(frame, order.slice(0, MAX_TABLE_ROWS))];
}

/** What `GET /api/dashboards/:uid` gives of a computed panel. */
export function display(panel: Panel, frames: readonly Frame[]): Pick<PreviewPanel, 'frames' | 'stackedBars'> {
  const prepared = frames.map((frame) => prepare(panel, frame));
  switch (panel.type) {
    case 'stat':
    case 'bargauge':
      return { frames: prepared.map(byTime).map(lastNotNull) };
    case 'table':
      return { frames: tableOf(prepared[0], sortOf(panel)) };
    case 'timeseries': {
      const custom = panel.fieldConfig?.defaults.custom as
        { drawStyle?: string; stacking?: { mode?: string } } | undefined;
      return {
        frames: prepared.map(byTime).map(thinned),
        stackedBars: custom?.drawStyle === 'bars' && custom.stacking?.mode === 'normal',
      };
    }
    default:
      return { frames: prepared.map(byTime).map(thinned) };
  }
}
