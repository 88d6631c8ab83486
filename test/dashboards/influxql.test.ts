import { describe, expect, it } from 'vitest';
import {
  MEASUREMENTS,
  count,
  fieldIs,
  from,
  last,
  mean,
  sum,
  tagIn,
  tagIs,
  tagValues,
  top,
} from '../../dashboards/influxql.js';
import { InfluxQLQueryBuilder } from '../../dashboards/targets.js';
import { BACKLOG_MEASUREMENT, TICKET_EVENTS_MEASUREMENT } from '../../figures/index.js';
import { FIELD_TYPES, REGISTRY_TAGS } from '../../ingest/schema.js';

describe('the InfluxQL builder', () => {
  it('writes a grouped, filtered time series with the time filter, fill and Shanghai days', () => {
    const query = from('faults')
      .select(count('seq').as('故障'))
      .where(tagIs('category', 'hazard'), tagIn('code', ['93', '5']))
      .filteredBy('district', 'insurer')
      .byTime()
      .groupBy('district')
      .fill('0');
    expect(query.toString()).toBe(
      `SELECT count("seq") AS "故障" FROM "faults" WHERE $timeFilter AND "category" = 'hazard' AND ("code" = '93' OR "code" = '5') AND "district" =~ /^$district$/ AND "insurer" =~ /^$insurer$/ GROUP BY time($__interval), "district" fill(0) tz('Asia/Shanghai')`,
    );
  });

  it('nests a subquery, whose aliases and groups the outer query reads, and keeps arithmetic in order', () => {
    const query = from('online')
      .select(last('online').as('state'))
      .groupBy('elevator')
      .untilRangeEnd()
      .asSource()
      .select(sum('state').as('在线'), count('state').minus(sum('state')).times(2).as('x'))
      .untilRangeEnd();
    expect(query.toString()).toBe(
      `SELECT sum("state") AS "在线", (count("state") - sum("state")) * 2 AS "x" FROM (SELECT last("online") AS "state" FROM "online" WHERE time <= \${__to}ms GROUP BY "elevator") WHERE time <= \${__to}ms tz('Asia/Shanghai')`,
    );
  });

  it('lists the newest points, ranks with top() and quotes what it must', () => {
    expect(
      from('maintenance').select(count('seq').as('n')).where(fieldIs('action', "it's")).newestFirst(5).toString(),
    ).toBe(
      `SELECT count("seq") AS "n" FROM "maintenance" WHERE $timeFilter AND "action" = 'it\\'s' ORDER BY time DESC LIMIT 5 tz('Asia/Shanghai')`,
    );
    expect(
      from('telemetry')
        .select(top('runs', 3, 'elevator').as('a"b'))
        .toString(),
    ).toContain('top("runs", "elevator", 3) AS "a\\"b"');
    expect(tagValues('telemetry', 'use_unit', 'district')).toBe(
      'SHOW TAG VALUES FROM "telemetry" WITH KEY = "use_unit" WHERE "district" =~ /^$district$/',
    );
  });

  it('refuses a query that selects nothing', () => {
    expect(() => from('telemetry').toString()).toThrow(/selects nothing/);
  });

  it('plugs into the SDK as a raw InfluxQL target on the provisioned data source', () => {
    const target = new InfluxQLQueryBuilder(from('telemetry').select(mean('inService').as('a')))
      .refId('A')
      .alias('$col')
      .table()
      .hide()
      .build();
    expect(JSON.parse(JSON.stringify(target))).toEqual({
      datasource: { type: 'influxdb', uid: 'liftwatch-influxdb' },
      rawQuery: true,
      query: `SELECT mean("inService") AS "a" FROM "telemetry" WHERE $timeFilter tz('Asia/Shanghai')`,
      resultFormat: 'table',
      refId: 'A',
      alias: '$col',
      hide: true,
    });
  });
});

describe('the schema the builder checks queries against', () => {
  const ingested = Object.keys(FIELD_TYPES) as Array<keyof typeof FIELD_TYPES>;

  it.each(ingested)('has the fields and tags ingest writes to %s', (kind) => {
    const schema = MEASUREMENTS[kind];
    expect([...schema.fields].sort()).toEqual(Object.keys(FIELD_TYPES[kind]).sort());
    expect(schema.tags).toEqual(expect.arrayContaining([...REGISTRY_TAGS]));
  });

  it('names the measurements ingest and the dashboard figures write', () => {
    expect(Object.keys(MEASUREMENTS).sort()).toEqual(
      [...ingested, TICKET_EVENTS_MEASUREMENT, BACKLOG_MEASUREMENT].sort(),
    );
  });
});
