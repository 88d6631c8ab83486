import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { count, from, tagValues, type Variable } from '../influxql.js';
import { influx } from '../targets.js';
import {
  COLUMN_TITLES,
  LIFTS_PER_KPI,
  UNITS,
  WIDTH,
  dashboard,
  derived,
  measured,
  mergedTable,
  property,
  ratio,
  stat,
  table,
  timeSeries,
  titled,
  valueNames,
  variable,
} from './common.js';
import {
  COLUMNS,
  availability,
  criticalEvents,
  entrapments,
  faults,
  liftMonths,
  lifts,
  thousandRuns,
  ticketsOpened,
  type Scope,
} from './figures.js';
import { FAULTS } from './names.js';

const FILTERS: readonly Variable[] = ['district', 'use_unit', 'insurer', 'contractor'];
const SELECTION: Scope = { by: [], filters: FILTERS, overTime: false };
const BY_USE_UNIT: Scope = { ...SELECTION, by: ['use_unit'] };
const BY_ELEVATOR: Scope = { ...SELECTION, by: ['elevator', 'use_unit'] };

const FAULT_COUNT = '次数';
const faultsByCode = from('faults')
  .select(count('seq').as(FAULT_COUNT))
  .filteredBy(...FILTERS)
  .groupBy('code', 'category');
const faultsByCategory = from('faults')
  .select(count('seq').as(COLUMNS.faults))
  .filteredBy(...FILTERS)
  .groupBy('category')
  .byTime()
  .fill('0');

export const districts = () =>
  dashboard('lw-district', {
    title: '区县与使用单位',
    description:
      'District and use-unit view: pick districts, use units, insurers and contractors; every panel shows only the elevators they select.',
  })
    .withVariable(variable('district', tagValues('telemetry', 'district'), 'several'))
    .withVariable(variable('use_unit', tagValues('telemetry', 'use_unit', 'district'), 'several'))
    .withVariable(variable('insurer', tagValues('telemetry', 'insurer', 'district', 'use_unit'), 'several'))
    .withVariable(variable('contractor', tagValues('telemetry', 'contractor', 'district', 'use_unit'), 'several'))
    .withRow(new RowBuilder('所选电梯'))
    .withPanel(
      stat({ title: '电梯数', description: 'Elevators selected that reported in the range.' }, UNITS.lifts).withTarget(
        influx('A', lifts(SELECTION)),
      ),
    )
    .withPanel(
      stat(
        { title: '可用率', description: 'Availability: share of telemetry minutes in normal service.' },
        UNITS.percent,
      )
        .decimals(2)
        .withTarget(influx('A', availability(SELECTION))),
    )
    .withPanel(
      stat({ title: '每千次运行故障', description: 'Equipment faults per 1,000 runs.' }, UNITS.perThousandRuns)
        .decimals(2)
        .targets(ratio(faults(SELECTION), thousandRuns(SELECTION))),
    )
    .withPanel(
      stat({ title: '困人率', description: 'Entrapments per 100 lifts per month.' }, UNITS.perHundredLiftMonths)
        .decimals(2)
        .targets(ratio(entrapments(SELECTION), liftMonths(SELECTION), LIFTS_PER_KPI)),
    )
    .withPanel(
      stat({ title: '严重事件', description: 'Critical events in the range.' }, UNITS.times).withTarget(
        influx('A', criticalEvents(SELECTION)),
      ),
    )
    .withPanel(
      stat({ title: '新开工单', description: 'Tickets opened in the range.' }, UNITS.tickets).withTarget(
        influx('A', ticketsOpened(SELECTION)),
      ),
    )
    .withRow(new RowBuilder('趋势'))
    .withPanel(
      timeSeries(
        {
          title: '可用率（按使用单位）',
          description: 'Availability by use unit, % of telemetry minutes in normal service.',
        },
        UNITS.percent,
        'lines',
      ).withTarget(influx('A', availability({ ...BY_USE_UNIT, overTime: true })).alias('$tag_use_unit')),
    )
    .withPanel(
      timeSeries(
        {
          title: '故障与事件（按类别）',
          description: 'Fault messages per interval by category: hazard (equipment), alarm, external, mode.',
        },
        UNITS.times,
        'stacked bars',
      ).withTarget(influx('A', faultsByCategory).alias('$tag_category')),
    )
    .withRow(new RowBuilder('使用单位与电梯'))
    .withPanel(
      mergedTable(
        {
          title: '各使用单位指标',
          description:
            'Per use unit: elevators, availability, runs, equipment faults, faults per 1,000 runs, entrapments, tickets opened.',
        },
        ['use_unit'],
        [
          measured(COLUMNS.lifts, lifts(BY_USE_UNIT), UNITS.lifts),
          measured(COLUMNS.availability, availability(BY_USE_UNIT), UNITS.percent, 2),
          measured(COLUMNS.thousandRuns, thousandRuns(BY_USE_UNIT), UNITS.thousandRuns, 1),
          measured(COLUMNS.faults, faults(BY_USE_UNIT), UNITS.times),
          derived(COLUMNS.faultRate, COLUMNS.faults, COLUMNS.thousandRuns, UNITS.perThousandRuns, 2),
          measured(COLUMNS.entrapments, entrapments(BY_USE_UNIT), UNITS.times),
          measured(COLUMNS.opened, ticketsOpened(BY_USE_UNIT), UNITS.tickets),
        ],
      ).span(WIDTH.half),
    )
    .withPanel(
      table({
        title: '故障代码分布',
        description: 'Fault and event messages by code (GB/T 24476 codes and liftwatch 100-105), most frequent first.',
      })
        .span(WIDTH.half)
        .withTarget(influx('A', faultsByCode).table())
        .transformations([
          titled(['code', 'category'], { withTime: false }),
          { id: 'sortBy', options: { sort: [{ field: FAULT_COUNT, desc: true }] } },
        ])
        .overrideByName(COLUMN_TITLES.code, [property('mappings', valueNames(FAULTS))])
        .overrideByName(FAULT_COUNT, [property('unit', UNITS.times)]),
    )
    .withPanel(
      mergedTable(
        {
          title: '电梯列表',
          description:
            'Each selected elevator: availability, runs, equipment faults, entrapments; the id links to its drill-down.',
        },
        ['elevator', 'use_unit'],
        [
          measured(COLUMNS.availability, availability(BY_ELEVATOR), UNITS.percent, 2),
          measured(COLUMNS.thousandRuns, thousandRuns(BY_ELEVATOR), UNITS.thousandRuns, 1),
          measured(COLUMNS.faults, faults(BY_ELEVATOR), UNITS.times),
          measured(COLUMNS.entrapments, entrapments(BY_ELEVATOR), UNITS.times),
        ],
      ),
    );
