import {
  BigValueColorMode,
  BigValueGraphMode,
  GraphDrawStyle,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  MappingType,
  QueryVariableBuilder,
  type DataTransformerConfig,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type DynamicConfigValue,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { TIMEZONE, type AnySelect, type Select, type Variable } from '../influxql.js';
import { DATASOURCE, influx, math } from '../targets.js';

/** Every liftwatch dashboard carries this tag; the dashboards' link menu lists them by it. */
export const DASHBOARD_TAG = 'liftwatch';

/** Grafana's grid is 24 columns wide; heights are in rows of 30 px. */
export const WIDTH = { full: 24, half: 12, third: 8, sixth: 4 } as const;
export const HEIGHT = { stat: 4, chart: 8, table: 10 } as const;

/** Units shown in Chinese: Grafana's custom `suffix:` units, and its own for percentages. */
export const UNITS = {
  lifts: 'suffix: 台',
  times: 'suffix: 次',
  tickets: 'suffix: 张',
  percent: 'percent',
  minutes: 'suffix: 分钟',
  hours: 'suffix: 小时',
  milliseconds: 'suffix: 毫秒',
  thousandRuns: 'suffix: 千次',
  perThousandRuns: 'suffix: 次/千次运行',
  perHundredLiftMonths: 'suffix: 次/百台·月',
  perLift: 'suffix: 次/台',
} as const;

export const SECONDS_PER_MINUTE = 60;
export const SECONDS_PER_HOUR = 3600;
export const PERCENT = 100;
/** Faults are counted per 1,000 runs, entrapments per 100 lifts (the regulator's KPIs). */
export const RUNS_PER_KPI = 1000;
export const LIFTS_PER_KPI = 100;
/** A regulator's month, in seconds: entrapment rates are per lift-month. */
export const MONTH_SECONDS = 30 * 24 * SECONDS_PER_HOUR;

/** Chinese column names for the registry tags when they head a table column. */
export const TAG_TITLES: Readonly<Record<Variable, string>> = {
  elevator: '电梯',
  district: '区县',
  use_unit: '使用单位',
  insurer: '保险公司',
  contractor: '维保单位',
};

/** Chinese headers for the raw columns tables list. */
export const COLUMN_TITLES = {
  ...TAG_TITLES,
  Time: '时间',
  code: '代码',
  category: '类别',
  severity: '严重度',
  floor: '楼层',
  detail: '说明',
  ticket: '工单',
  rule: '规则',
  event: '事件',
  action: '签到/签退',
  kind: '保养类别',
  technician: '技师',
  visitContractor: '到访维保单位',
} as const;
export type TitledColumn = keyof typeof COLUMN_TITLES;

/**
 * Heads these columns in Chinese (and drops Time when the rows are not points in time). Grafana
 * applies field config after transformations, so overrides refer to the new titles.
 */
export function titled(columns: readonly TitledColumn[], { withTime }: { withTime: boolean }): DataTransformerConfig {
  return {
    id: 'organize',
    options: {
      ...(withTime ? {} : { excludeByName: { Time: true } }),
      renameByName: Object.fromEntries(columns.map((column) => [column, COLUMN_TITLES[column]])),
    },
  };
}

const COLORS = { good: 'green', warn: 'orange', bad: 'red' } as const;

/** What a panel shows when its queries return nothing (Grafana's noValue), in the dashboards' Chinese. */
export const NO_DATA = '无数据';

export interface Text {
  readonly title: string;
  /** English, for readers without Chinese, and what the figure means. */
  readonly description: string;
}

export function dashboard(uid: string, text: Text): DashboardBuilder {
  return new DashboardBuilder(text.title)
    .uid(uid)
    .description(text.description)
    .tags([DASHBOARD_TAG])
    .timezone(TIMEZONE)
    .weekStart('monday')
    .time({ from: 'now-7d', to: 'now' })
    .refresh('5m')
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('liftwatch 看板')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

/** A variable from `SHOW TAG VALUES`: several values (or All) to compare, or exactly one to drill into. */
export function variable(name: Variable, query: string, choice: 'several' | 'one'): QueryVariableBuilder {
  const builder = new QueryVariableBuilder(name)
    .label(TAG_TITLES[name])
    .description(`${name}: values of the \`${name}\` tag`)
    .query(query)
    .datasource(DATASOURCE)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
  if (choice === 'one') return builder;
  // `.*` rather than every value spelled out: a city has tens of thousands of elevators.
  return builder
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: ['All'], value: ['$__all'] });
}

const reduceToLast = () => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);

export function stat(text: Text, unit: string): StatBuilder {
  return new StatBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(DATASOURCE)
    .noValue(NO_DATA)
    .unit(unit)
    .reduceOptions(reduceToLast())
    .graphMode(BigValueGraphMode.None)
    .colorMode(BigValueColorMode.Value)
    .span(WIDTH.sixth)
    .height(HEIGHT.stat);
}

export function timeSeries(text: Text, unit: string, draw: 'lines' | 'stacked bars'): TimeSeriesBuilder {
  const builder = new TimeSeriesBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(DATASOURCE)
    .noValue(NO_DATA)
    .unit(unit)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi))
    .span(WIDTH.half)
    .height(HEIGHT.chart);
  if (draw === 'lines') return builder.drawStyle(GraphDrawStyle.Line).fillOpacity(0);
  return builder
    .drawStyle(GraphDrawStyle.Bars)
    .fillOpacity(FULL_BAR_OPACITY)
    .stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
}
const FULL_BAR_OPACITY = 80;

export function barGauge(text: Text, unit: string): BarGaugeBuilder {
  return new BarGaugeBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(DATASOURCE)
    .noValue(NO_DATA)
    .unit(unit)
    .reduceOptions(reduceToLast())
    .span(WIDTH.third)
    .height(HEIGHT.chart);
}

export function table(text: Text): TableBuilder {
  return new TableBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(DATASOURCE)
    .noValue(NO_DATA)
    .span(WIDTH.full)
    .height(HEIGHT.table);
}

export function stateTimeline(text: Text): StateTimelineBuilder {
  return new StateTimelineBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(DATASOURCE)
    .noValue(NO_DATA)
    .span(WIDTH.full)
    .height(HEIGHT.stat);
}

/** Colour steps for a figure where more is better (availability) or worse (faults): red, orange, green. */
export function thresholds(direction: 'higher is better' | 'lower is better', warn: number, bad: number) {
  const steps =
    direction === 'higher is better'
      ? [
          { value: null, color: COLORS.bad },
          { value: bad, color: COLORS.warn },
          { value: warn, color: COLORS.good },
        ]
      : [
          { value: null, color: COLORS.good },
          { value: warn, color: COLORS.warn },
          { value: bad, color: COLORS.bad },
        ];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

/** Shows codes (modes, fault codes, ticket events) by their Chinese names. */
export function valueNames(names: Readonly<Record<string, string>>): ValueMapping[] {
  return [
    {
      type: MappingType.ValueToText,
      options: Object.fromEntries(Object.entries(names).map(([value, text], index) => [value, { text, index }])),
    },
  ];
}

/** A column's field config in a table: a unit, value names, a link. */
export const property = (id: string, value: unknown): DynamicConfigValue => ({ id, value });

/** Links an elevator id to its drill-down, keeping the time range. */
export const ELEVATOR_LINK = property('links', [
  { title: '电梯详情 (elevator drill-down)', url: '/d/lw-elevator?var-elevator=${__value.raw}&${__url_time_range}' },
]);

/** A table column: one query's figure per group, or one derived from two others. */
export interface TableColumn {
  readonly name: string;
  readonly unit: string;
  readonly decimals?: number;
  readonly query?: AnySelect;
  readonly derived?: { readonly left: string; readonly operator: '/'; readonly right: string };
}

/** A figure per group from a `table` query whose one column is named `name` (checked by the compiler). */
export const measured = <A extends string>(
  name: A,
  query: Select<string, string, NoInfer<A>, string>,
  unit: string,
  decimals?: number,
): TableColumn => ({ name, query, unit, decimals });

/** `left / right`, row by row. */
export const derived = (name: string, left: string, right: string, unit: string, decimals?: number): TableColumn => ({
  name,
  derived: { left, operator: '/', right },
  unit,
  decimals,
});

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * One row per group (district, contractor, ...) with a column per figure. InfluxQL cannot join
 * measurements, so each figure is its own query grouped by the same tags; Grafana merges the rows
 * by those tags and derives the ratios with calculateField.
 */
export function mergedTable(text: Text, by: readonly Variable[], columns: readonly TableColumn[]): TableBuilder {
  const queries = columns.filter((column) => column.query);
  const builder = table(text)
    .targets(queries.map((column, index) => influx(REF_IDS.charAt(index), column.query as AnySelect).table()))
    .transformations([
      // Every query's Time is the range start: drop it so rows merge on their tags alone.
      { id: 'organize', options: { excludeByName: { Time: true } } },
      { id: 'merge', options: {} },
      ...columns.flatMap(({ name, derived }) =>
        derived
          ? [{ id: 'calculateField', options: { mode: 'binary', binary: derived, alias: name, timeSeries: false } }]
          : [],
      ),
      {
        id: 'organize',
        options: {
          indexByName: Object.fromEntries(
            [...by, ...columns.map(({ name }) => name)].map((name, index) => [name, index]),
          ),
          renameByName: Object.fromEntries(by.map((tag) => [tag, TAG_TITLES[tag]])),
        },
      },
    ]);
  if (by.includes('elevator')) builder.overrideByName('elevator', [ELEVATOR_LINK]);
  for (const { name, unit, decimals } of columns) {
    builder.overrideByName(name, [
      property('unit', unit),
      ...(decimals === undefined ? [] : [property('decimals', decimals)]),
    ]);
  }
  return builder;
}

/**
 * `numerator / denominator × scale` for figures across measurements (faults per 1,000 runs):
 * InfluxQL cannot divide one measurement by another, so Grafana's math expression does, per
 * matching series (the same tags, the same bucket). The operands are read, not drawn.
 */
export function ratio(numerator: AnySelect, denominator: AnySelect, scale = 1): Builder<Dataquery>[] {
  const expression = scale === 1 ? '$A / $B' : `$A / $B * ${scale}`;
  return [influx('A', numerator).hide(), influx('B', denominator).hide(), math('C', expression)];
}
