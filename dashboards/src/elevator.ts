import { AxisPlacement } from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { count, from, last, mean, raw, spread, sum, tagValues, type Variable } from '../influxql.js';
import { influx } from '../targets.js';
import {
  COLUMN_TITLES,
  UNITS,
  WIDTH,
  dashboard,
  property,
  stat,
  stateTimeline,
  table,
  timeSeries,
  titled,
  valueNames,
  variable,
} from './common.js';
import {
  COLUMNS,
  availability,
  entrapments,
  faults,
  minutesSinceOpened,
  runsPerDay,
  ticketsOpened,
  type Scope,
} from './figures.js';
import { FAULTS, MAINTENANCE_ACTION_NAMES, MAINTENANCE_KIND_NAMES, MODES, PRESENCE, TICKET_EVENTS } from './names.js';

const FILTERS: readonly Variable[] = ['elevator'];
const ELEVATOR: Scope = { by: [], filters: FILTERS, overTime: false };
/** Door figures per hour: a cycle every few minutes at most, and their drift shows over days. */
const DOOR_INTERVAL = '1h';
const LIST_ROWS = 100;

const presence = from('online')
  .select(last('online').as(COLUMNS.online))
  .filteredBy(...FILTERS)
  .untilRangeEnd();
const runs = from('telemetry')
  .select(spread('runs').as(COLUMNS.runs))
  .filteredBy(...FILTERS);
const doors = from('doors')
  .select(mean('closeMs').as('关门时间'), sum('reopens').as('重开次数'))
  .filteredBy(...FILTERS)
  .byTime();
const faultsByCode = from('faults')
  .select(count('seq').as(COLUMNS.faults))
  .filteredBy(...FILTERS)
  .groupBy('code')
  .byTime()
  .fill('0');
const modes = from('telemetry')
  .select(last('mode').as('运行模式'))
  .filteredBy(...FILTERS)
  .byTime()
  .fill('previous');
const faultLog = from('faults')
  .select(raw('code'), raw('severity'), raw('category'), raw('floor'), raw('detail'))
  .filteredBy(...FILTERS)
  .newestFirst(LIST_ROWS);
const visitLog = from('maintenance')
  .select(raw('action'), raw('kind'), raw('technician'), raw('visitContractor'))
  .filteredBy(...FILTERS)
  .newestFirst(LIST_ROWS);
const ticketLog = from('ticket_events')
  .select(raw('ticket'), raw('rule'), raw('severity'), raw('event'), minutesSinceOpened)
  .filteredBy(...FILTERS)
  .newestFirst(LIST_ROWS);

export const elevator = () =>
  dashboard('lw-elevator', {
    title: '单台电梯详情',
    description:
      'Elevator drill-down: runs per day, door close time and reopens, faults by code, service mode, maintenance visits and tickets of one elevator.',
  })
    .withVariable(variable('district', tagValues('telemetry', 'district'), 'several'))
    .withVariable(variable('use_unit', tagValues('telemetry', 'use_unit', 'district'), 'several'))
    .withVariable(variable('elevator', tagValues('telemetry', 'elevator', 'district', 'use_unit'), 'one'))
    .withRow(new RowBuilder('$elevator'))
    .withPanel(
      stat({ title: '在线状态', description: 'Presence flag at the end of the range: online or offline.' }, 'none')
        .mappings(valueNames(PRESENCE))
        .withTarget(influx('A', presence)),
    )
    .withPanel(
      stat({ title: '可用率', description: 'Share of telemetry minutes in normal service.' }, UNITS.percent)
        .decimals(2)
        .withTarget(influx('A', availability(ELEVATOR))),
    )
    .withPanel(
      stat(
        { title: '运行次数', description: 'Runs in the range (growth of the cumulative counter).' },
        UNITS.times,
      ).withTarget(influx('A', runs)),
    )
    .withPanel(
      stat({ title: '故障', description: 'Equipment faults in the range.' }, UNITS.times).withTarget(
        influx('A', faults(ELEVATOR)),
      ),
    )
    .withPanel(
      stat({ title: '困人', description: 'Entrapments in the range.' }, UNITS.times).withTarget(
        influx('A', entrapments(ELEVATOR)),
      ),
    )
    .withPanel(
      stat({ title: '新开工单', description: 'Tickets opened in the range.' }, UNITS.tickets).withTarget(
        influx('A', ticketsOpened(ELEVATOR)),
      ),
    )
    .withPanel(
      timeSeries(
        { title: '每日运行次数', description: 'Runs per day (Shanghai days).' },
        UNITS.times,
        'stacked bars',
      ).withTarget(influx('A', runsPerDay(ELEVATOR)).alias('$col')),
    )
    .withPanel(
      timeSeries(
        {
          title: '关门时间与重开',
          description:
            'Mean door close time (left axis) and door reopens (right axis) per interval: a door operator wearing out closes slower and reopens more.',
        },
        UNITS.milliseconds,
        'lines',
      )
        .interval(DOOR_INTERVAL)
        .withTarget(influx('A', doors).alias('$col'))
        .overrideByName('重开次数', [
          property('unit', UNITS.times),
          property('custom.axisPlacement', AxisPlacement.Right),
        ]),
    )
    .withPanel(
      timeSeries(
        { title: '故障（按代码）', description: 'Fault and event messages per interval, by code.' },
        UNITS.times,
        'stacked bars',
      )
        .span(WIDTH.full)
        .withTarget(influx('A', faultsByCode).alias('$tag_code')),
    )
    .withPanel(
      stateTimeline({
        title: '运行模式',
        description: 'Service mode over time: normal, inspection (maintenance), fire return, out of service, ...',
      })
        .mappings(valueNames(MODES))
        .withTarget(influx('A', modes).alias('$col')),
    )
    .withRow(new RowBuilder('记录'))
    .withPanel(
      table({ title: '故障记录', description: `The latest ${LIST_ROWS} fault and event messages, newest first.` })
        .span(WIDTH.third)
        .withTarget(influx('A', faultLog).table())
        .transformations([titled(['Time', 'code', 'severity', 'category', 'floor', 'detail'], { withTime: true })])
        .overrideByName(COLUMN_TITLES.code, [property('mappings', valueNames(FAULTS))]),
    )
    .withPanel(
      table({ title: '维保记录', description: `The latest ${LIST_ROWS} maintenance check-ins and check-outs.` })
        .span(WIDTH.third)
        .withTarget(influx('A', visitLog).table())
        .transformations([titled(['Time', 'action', 'kind', 'technician', 'visitContractor'], { withTime: true })])
        .overrideByName(COLUMN_TITLES.action, [property('mappings', valueNames(MAINTENANCE_ACTION_NAMES))])
        .overrideByName(COLUMN_TITLES.kind, [property('mappings', valueNames(MAINTENANCE_KIND_NAMES))]),
    )
    .withPanel(
      table({ title: '工单', description: `The latest ${LIST_ROWS} events of this elevator's tickets.` })
        .span(WIDTH.third)
        .withTarget(influx('A', ticketLog).table())
        .transformations([titled(['Time', 'ticket', 'rule', 'severity', 'event'], { withTime: true })])
        .overrideByName(COLUMN_TITLES.event, [property('mappings', valueNames(TICKET_EVENTS))])
        .overrideByName(COLUMNS.sinceOpened, [property('unit', UNITS.minutes), property('decimals', 1)]),
    );
