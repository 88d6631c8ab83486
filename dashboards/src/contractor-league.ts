import { TableSortByFieldStateBuilder } from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { tagValues, type Variable } from '../influxql.js';
import { influx } from '../targets.js';
import {
  UNITS,
  WIDTH,
  barGauge,
  dashboard,
  derived,
  measured,
  mergedTable,
  ratio,
  timeSeries,
  variable,
} from './common.js';
import {
  COLUMNS,
  entrapments,
  faults,
  inspectionMinutes,
  lifts,
  overdueVisits,
  repeatsAfterVisit,
  thousandRuns,
  visits,
  type Scope,
} from './figures.js';

const FILTERS: readonly Variable[] = ['contractor', 'district'];
const BY_CONTRACTOR: Scope = { by: ['contractor'], filters: FILTERS, overTime: false };
const BY_CONTRACTOR_OVER_TIME: Scope = { ...BY_CONTRACTOR, overTime: true };
/** Tickets per day: maintenance findings come from daily scans. */
const DAILY = '1d';

export const contractorLeague = () =>
  dashboard('lw-contractor-league', {
    title: '维保单位排行',
    description:
      'Contractor league table: faults recurring within 72 h after a maintenance visit, overdue maintenance, entrapments per lift, average visit length, faults per 1,000 runs.',
  })
    .withVariable(variable('contractor', tagValues('telemetry', 'contractor'), 'several'))
    .withVariable(variable('district', tagValues('telemetry', 'district', 'contractor'), 'several'))
    .withRow(new RowBuilder('排行'))
    .withPanel(
      mergedTable(
        {
          title: '维保单位排行',
          description:
            'Per contractor over the range, most recurrences after a visit first: elevators, visits, average visit length (minutes the controllers spent in inspection mode per check-out), tickets for faults again within 72 h of a visit, tickets for overdue maintenance, entrapments and entrapments per lift, faults per 1,000 runs.',
        },
        ['contractor'],
        [
          measured(COLUMNS.repeatAfterVisit, repeatsAfterVisit(BY_CONTRACTOR), UNITS.tickets),
          measured(COLUMNS.overdue, overdueVisits(BY_CONTRACTOR), UNITS.tickets),
          measured(COLUMNS.lifts, lifts(BY_CONTRACTOR), UNITS.lifts),
          measured(COLUMNS.entrapments, entrapments(BY_CONTRACTOR), UNITS.times),
          derived('每台困人', COLUMNS.entrapments, COLUMNS.lifts, UNITS.perLift, 2),
          measured(COLUMNS.visits, visits(BY_CONTRACTOR), UNITS.times),
          measured(COLUMNS.inspectionMinutes, inspectionMinutes(BY_CONTRACTOR), UNITS.minutes),
          derived('平均维保时长', COLUMNS.inspectionMinutes, COLUMNS.visits, UNITS.minutes, 0),
          measured(COLUMNS.thousandRuns, thousandRuns(BY_CONTRACTOR), UNITS.thousandRuns, 1),
          measured(COLUMNS.faults, faults(BY_CONTRACTOR), UNITS.times),
          derived(COLUMNS.faultRate, COLUMNS.faults, COLUMNS.thousandRuns, UNITS.perThousandRuns, 2),
        ],
      ).sortBy([new TableSortByFieldStateBuilder().displayName(COLUMNS.repeatAfterVisit).desc(true)]),
    )
    .withRow(new RowBuilder('对比'))
    .withPanel(
      barGauge({ title: '每台困人', description: 'Entrapments per lift in the range, by contractor.' }, UNITS.perLift)
        .decimals(2)
        .displayName('${__field.labels.contractor}')
        .targets(ratio(entrapments(BY_CONTRACTOR), lifts(BY_CONTRACTOR))),
    )
    .withPanel(
      timeSeries(
        {
          title: '维保后72小时复发',
          description:
            'Tickets for the same fault again within 72 h after a maintenance check-out, per day, by contractor.',
        },
        UNITS.tickets,
        'stacked bars',
      )
        .span(WIDTH.third)
        .interval(DAILY)
        .withTarget(influx('A', repeatsAfterVisit(BY_CONTRACTOR_OVER_TIME)).alias('$tag_contractor')),
    )
    .withPanel(
      timeSeries(
        {
          title: '维保超期',
          description:
            'Tickets for maintenance overdue (over 15 days since the last check-out), per day, by contractor.',
        },
        UNITS.tickets,
        'stacked bars',
      )
        .span(WIDTH.third)
        .interval(DAILY)
        .withTarget(influx('A', overdueVisits(BY_CONTRACTOR_OVER_TIME)).alias('$tag_contractor')),
    );
