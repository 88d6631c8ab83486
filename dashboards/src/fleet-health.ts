import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { count, from, tagIs, top } from '../influxql.js';
import { influx } from '../targets.js';
import {
  ELEVATOR_LINK,
  LIFTS_PER_KPI,
  TAG_TITLES,
  UNITS,
  WIDTH,
  barGauge,
  dashboard,
  measured,
  mergedTable,
  derived,
  property,
  ratio,
  stat,
  table,
  thresholds,
  timeSeries,
  titled,
} from './common.js';
import {
  COLUMNS,
  availability,
  criticalByCode,
  criticalEvents,
  entrapments,
  faults,
  liftMonths,
  lifts,
  onlineNow,
  onlineOverTime,
  openTickets,
  thousandRuns,
  type Scope,
} from './figures.js';

const FLEET: Scope = { by: [], filters: [], overTime: false };
const FLEET_OVER_TIME: Scope = { ...FLEET, overTime: true };
const BY_DISTRICT: Scope = { by: ['district'], filters: [], overTime: false };
const BY_DISTRICT_OVER_TIME: Scope = { ...BY_DISTRICT, overTime: true };

/** Colour steps (the regulator's reading of them, not a standard): availability in %, faults per 1,000 runs. */
const AVAILABILITY = { warn: 99, bad: 97 } as const;
const FAULT_RATE = { warn: 0.5, bad: 1 } as const;
/** How many of the worst elevators the table lists. */
const WORST = 10;
/** Ratios per day: finer buckets hold too few runs to mean much. */
const RATIO_INTERVAL = '1d';
/** Backlog snapshots come every 5 minutes: no finer bucket. */
const SNAPSHOT_INTERVAL = '5m';

const worstElevators = from('faults')
  .select(count('seq').as(COLUMNS.faults))
  .where(tagIs('category', 'hazard'))
  .groupBy('elevator', 'district', 'use_unit')
  .asSource()
  .select(top(COLUMNS.faults, WORST, 'elevator', 'district', 'use_unit').as(COLUMNS.faults));

export const fleetHealth = () =>
  dashboard('lw-fleet-health', {
    title: '电梯安全总览',
    description:
      'Fleet health for the regulator: elevators online, availability, faults per 1,000 runs, entrapments per 100 lifts per month, critical events and open tickets, by district.',
  })
    .withRow(new RowBuilder('全市概况'))
    .withPanel(
      stat(
        {
          title: '在线 / 离线电梯',
          description: 'Elevators online and offline: each terminal by its last presence flag at the end of the range.',
        },
        UNITS.lifts,
      )
        .overrideByName(COLUMNS.offline, [property('color', { mode: 'fixed', fixedColor: 'red' })])
        .withTarget(influx('A', onlineNow(FLEET)).alias('$col')),
    )
    .withPanel(
      stat(
        {
          title: '可用率',
          description: 'Availability: share of telemetry minutes in normal service (mode 1), 100 × mean(inService).',
        },
        UNITS.percent,
      )
        .thresholds(thresholds('higher is better', AVAILABILITY.warn, AVAILABILITY.bad))
        .withTarget(influx('A', availability(FLEET))),
    )
    .withPanel(
      stat(
        {
          title: COLUMNS.faultRate,
          description: 'Equipment faults (category hazard) per 1,000 runs in the range.',
        },
        UNITS.perThousandRuns,
      )
        .decimals(2)
        .thresholds(thresholds('lower is better', FAULT_RATE.warn, FAULT_RATE.bad))
        .targets(ratio(faults(FLEET), thousandRuns(FLEET))),
    )
    .withPanel(
      stat(
        {
          title: '困人率',
          description:
            'Entrapments (code 93) per 100 lifts per month: entrapments ÷ (lifts × months in the range) × 100.',
        },
        UNITS.perHundredLiftMonths,
      )
        .decimals(2)
        .targets(ratio(entrapments(FLEET), liftMonths(FLEET), LIFTS_PER_KPI)),
    )
    .withPanel(
      stat(
        {
          title: '严重事件',
          description: 'Critical events in the range: entrapment, unintended movement, overruns, overspeed.',
        },
        UNITS.times,
      ).withTarget(influx('A', criticalEvents(FLEET))),
    )
    .withPanel(
      stat(
        {
          title: '未关闭工单',
          description: 'Open tickets at the last backlog snapshot in the range (every insurer, every severity).',
        },
        UNITS.tickets,
      )
        .interval(SNAPSHOT_INTERVAL)
        .withTarget(influx('A', openTickets([], [])).alias('$col')),
    )
    .withRow(new RowBuilder('按区县'))
    .withPanel(
      timeSeries(
        {
          title: '可用率（按区县）',
          description: 'Availability by district, % of telemetry minutes in normal service.',
        },
        UNITS.percent,
        'lines',
      ).withTarget(influx('A', availability(BY_DISTRICT_OVER_TIME)).alias('$tag_district')),
    )
    .withPanel(
      timeSeries(
        { title: '每千次运行故障（按区县）', description: 'Equipment faults per 1,000 runs, by district, per day.' },
        UNITS.perThousandRuns,
        'lines',
      )
        .interval(RATIO_INTERVAL)
        .displayName('${__field.labels.district}')
        .targets(ratio(faults(BY_DISTRICT_OVER_TIME), thousandRuns(BY_DISTRICT_OVER_TIME))),
    )
    .withPanel(
      mergedTable(
        {
          title: '各区县指标',
          description:
            'Per district over the range: elevators, availability, runs (thousands), equipment faults, faults per 1,000 runs, entrapments, critical events.',
        },
        ['district'],
        [
          measured(COLUMNS.lifts, lifts(BY_DISTRICT), UNITS.lifts),
          measured(COLUMNS.availability, availability(BY_DISTRICT), UNITS.percent, 2),
          measured(COLUMNS.thousandRuns, thousandRuns(BY_DISTRICT), UNITS.thousandRuns, 1),
          measured(COLUMNS.faults, faults(BY_DISTRICT), UNITS.times),
          derived(COLUMNS.faultRate, COLUMNS.faults, COLUMNS.thousandRuns, UNITS.perThousandRuns, 2),
          measured(COLUMNS.entrapments, entrapments(BY_DISTRICT), UNITS.times),
          measured(COLUMNS.critical, criticalEvents(BY_DISTRICT), UNITS.times),
        ],
      ),
    )
    .withPanel(
      barGauge(
        {
          title: '困人率（按区县）',
          description: 'Entrapments per 100 lifts per month, by district, over the range.',
        },
        UNITS.perHundredLiftMonths,
      )
        .span(WIDTH.half)
        .decimals(2)
        .displayName('${__field.labels.district}')
        .targets(ratio(entrapments(BY_DISTRICT), liftMonths(BY_DISTRICT), LIFTS_PER_KPI)),
    )
    .withPanel(
      table({
        title: `故障最多的电梯 Top ${WORST}`,
        description: `The ${WORST} elevators with the most equipment faults in the range; the id links to its drill-down.`,
      })
        .span(WIDTH.half)
        .withTarget(influx('A', worstElevators).table())
        .transformations([
          titled(['elevator', 'district', 'use_unit'], { withTime: false }),
          { id: 'sortBy', options: { sort: [{ field: COLUMNS.faults, desc: true }] } },
        ])
        .overrideByName(TAG_TITLES.elevator, [ELEVATOR_LINK])
        .overrideByName(COLUMNS.faults, [property('unit', UNITS.times)]),
    )
    .withRow(new RowBuilder('趋势'))
    .withPanel(
      timeSeries(
        { title: '严重事件（按代码）', description: 'Critical events per interval, by fault code.' },
        UNITS.times,
        'stacked bars',
      ).withTarget(influx('A', criticalByCode(FLEET)).alias('代码 $tag_code')),
    )
    .withPanel(
      timeSeries(
        { title: '在线电梯', description: 'Elevators online in each interval (last presence flag, carried forward).' },
        UNITS.lifts,
        'lines',
      ).withTarget(influx('A', onlineOverTime(FLEET)).alias('$col')),
    )
    .withPanel(
      timeSeries(
        {
          title: '未关闭工单（按严重度）',
          description: 'Open tickets by severity, from the backlog snapshots taken every 5 minutes.',
        },
        UNITS.tickets,
        'stacked bars',
      )
        .interval(SNAPSHOT_INTERVAL)
        .withTarget(influx('A', openTickets([], ['severity'])).alias('$tag_severity')),
    )
    .withPanel(
      timeSeries(
        { title: '每千次运行故障（全市）', description: 'Equipment faults per 1,000 runs, the whole fleet, per day.' },
        UNITS.perThousandRuns,
        'lines',
      )
        .interval(RATIO_INTERVAL)
        .displayName(COLUMNS.faultRate)
        .targets(ratio(faults(FLEET_OVER_TIME), thousandRuns(FLEET_OVER_TIME))),
    );
