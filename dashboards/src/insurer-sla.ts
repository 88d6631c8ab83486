import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { from, raw, tagValues, type Variable } from '../influxql.js';
import { influx } from '../targets.js';
import {
  COLUMN_TITLES,
  HEIGHT,
  PERCENT,
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
  arrivalsDue,
  arrivalsInTime,
  backlogByAge,
  hoursToResolve,
  minutesSinceOpened,
  minutesToAcknowledge,
  minutesToArrive,
  openTickets,
  ticketsClosed,
  ticketsOpened,
  type Scope,
} from './figures.js';
import { TICKET_EVENTS } from './names.js';

const FILTERS: readonly Variable[] = ['insurer'];
const SELECTION: Scope = { by: [], filters: FILTERS, overTime: false };
const OVER_TIME: Scope = { ...SELECTION, overTime: true };
const BY_INSURER: Scope = { ...SELECTION, by: ['insurer'] };
/** Ticket counts and times per hour at the finest: a ticket takes minutes to hours. */
const TICKET_INTERVAL = '1h';
/** Backlog snapshots come every 5 minutes: no finer bucket. */
const SNAPSHOT_INTERVAL = '5m';
/** How many of the latest ticket events the journal lists. */
const JOURNAL_ROWS = 100;

const journal = from('ticket_events')
  .select(raw('ticket'), raw('elevator'), raw('rule'), raw('severity'), raw('event'), minutesSinceOpened)
  .filteredBy(...FILTERS)
  .newestFirst(JOURNAL_ROWS);

export const insurerSla = () =>
  dashboard('lw-insurer-sla', {
    title: '保险公司服务时效',
    description:
      'Insurer SLA: tickets opened and closed, time to acknowledge, to arrive on site (the 30-minute entrapment rescue deadline), to resolve, and the open backlog by age.',
  })
    .withVariable(variable('insurer', tagValues('ticket_events', 'insurer'), 'several'))
    .withRow(new RowBuilder('工单时效'))
    .withPanel(
      stat({ title: '新开工单', description: 'Tickets opened in the range.' }, UNITS.tickets).withTarget(
        influx('A', ticketsOpened(SELECTION)),
      ),
    )
    .withPanel(
      stat(
        { title: '关闭工单', description: 'Tickets resolved or closed as false alarms in the range.' },
        UNITS.tickets,
      ).withTarget(influx('A', ticketsClosed(SELECTION))),
    )
    .withPanel(
      stat(
        { title: '平均响应时长', description: 'Mean time from a ticket being opened to its acknowledgement.' },
        UNITS.minutes,
      )
        .decimals(1)
        .withTarget(influx('A', minutesToAcknowledge(SELECTION))),
    )
    .withPanel(
      stat(
        { title: '平均到场时长', description: 'Mean time from a ticket being opened to the technician on site.' },
        UNITS.minutes,
      )
        .decimals(1)
        .withTarget(influx('A', minutesToArrive(SELECTION))),
    )
    .withPanel(
      stat(
        { title: '平均处理时长', description: 'Mean time from a ticket being opened to its resolution.' },
        UNITS.hours,
      )
        .decimals(1)
        .withTarget(influx('A', hoursToResolve(SELECTION))),
    )
    .withPanel(
      stat(
        {
          title: '困人30分钟到场率',
          description:
            'Share of on-site arrivals within the ticket deadline (the 30-minute entrapment rescue), of the arrivals on tickets with a deadline.',
        },
        UNITS.percent,
      )
        .decimals(1)
        .targets(ratio(arrivalsInTime(SELECTION), arrivalsDue(SELECTION), PERCENT)),
    )
    .withPanel(
      timeSeries(
        { title: '新开与关闭工单', description: 'Tickets opened and closed per interval.' },
        UNITS.tickets,
        'lines',
      )
        .interval(TICKET_INTERVAL)
        .targets([
          influx('A', ticketsOpened(OVER_TIME)).alias('$col'),
          influx('B', ticketsClosed(OVER_TIME)).alias('$col'),
        ]),
    )
    .withPanel(
      timeSeries(
        {
          title: '响应与到场时长',
          description: 'Mean minutes from opening to acknowledgement and to arrival on site, per interval.',
        },
        UNITS.minutes,
        'lines',
      )
        .interval(TICKET_INTERVAL)
        .targets([
          influx('A', minutesToAcknowledge(OVER_TIME)).alias('$col'),
          influx('B', minutesToArrive(OVER_TIME)).alias('$col'),
        ]),
    )
    .withRow(new RowBuilder('未关闭工单'))
    .withPanel(
      timeSeries(
        {
          title: '未关闭工单账龄',
          description: 'Open tickets by age (under a day, 1-7 days, over 7 days), from the 5-minute snapshots.',
        },
        UNITS.tickets,
        'stacked bars',
      )
        .interval(SNAPSHOT_INTERVAL)
        .withTarget(influx('A', backlogByAge(['insurer'])).alias('$col')),
    )
    .withPanel(
      timeSeries(
        { title: '未关闭工单（按严重度）', description: 'Open tickets by severity, from the 5-minute snapshots.' },
        UNITS.tickets,
        'stacked bars',
      )
        .interval(SNAPSHOT_INTERVAL)
        .withTarget(influx('A', openTickets(['insurer'], ['severity'])).alias('$tag_severity')),
    )
    .withPanel(
      mergedTable(
        {
          title: '各保险公司服务时效',
          description:
            'Per insurer over the range: tickets opened and closed, mean minutes to acknowledge and to arrive, mean hours to resolve, and the share of deadline arrivals in time.',
        },
        ['insurer'],
        [
          measured(COLUMNS.opened, ticketsOpened(BY_INSURER), UNITS.tickets),
          measured(COLUMNS.closed, ticketsClosed(BY_INSURER), UNITS.tickets),
          measured(COLUMNS.acknowledgeMinutes, minutesToAcknowledge(BY_INSURER), UNITS.minutes, 1),
          measured(COLUMNS.arriveMinutes, minutesToArrive(BY_INSURER), UNITS.minutes, 1),
          measured(COLUMNS.resolveHours, hoursToResolve(BY_INSURER), UNITS.hours, 1),
          measured(COLUMNS.deadlineDue, arrivalsDue(BY_INSURER), UNITS.times),
          measured(COLUMNS.deadlineMet, arrivalsInTime(BY_INSURER), UNITS.times),
          derived('按时到场率', COLUMNS.deadlineMet, COLUMNS.deadlineDue, 'percentunit', 1),
        ],
      ).height(HEIGHT.chart),
    )
    .withPanel(
      table({ title: '最近工单事件', description: `The latest ${JOURNAL_ROWS} ticket events, newest first.` })
        .withTarget(influx('A', journal).table())
        .transformations([titled(['Time', 'ticket', 'elevator', 'rule', 'severity', 'event'], { withTime: true })])
        .overrideByName(COLUMN_TITLES.event, [property('mappings', valueNames(TICKET_EVENTS))])
        .overrideByName(COLUMNS.sinceOpened, [property('unit', UNITS.minutes), property('decimals', 1)])
        .span(WIDTH.full),
    );
