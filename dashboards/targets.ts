import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { TypeMathBuilder } from '@grafana/grafana-foundation-sdk/expr';
import type { AnySelect } from './influxql.js';

/** The data source dashboards/provisioning/datasources/influxdb.yaml provisions: every target refers to it. */
export const DATASOURCE = { type: 'influxdb', uid: 'liftwatch-influxdb' } as const satisfies DataSourceRef;

/** Grafana's server-side expressions: arithmetic across queries, which InfluxQL cannot join. */
export const EXPRESSIONS = { type: '__expr__', uid: '__expr__' } as const satisfies DataSourceRef;

/** `time_series`: one frame per series, named by `alias`; `table`: one row per series, tags as columns. */
export type ResultFormat = 'time_series' | 'table';

/** Grafana's InfluxDB query model in raw InfluxQL mode (the SDK ships none: its custom query pattern). */
export interface InfluxQLQuery {
  refId?: string;
  hide?: boolean;
  datasource: DataSourceRef;
  rawQuery: true;
  query: string;
  resultFormat: ResultFormat;
  /** Series name in time_series format; `$tag_district` takes the tag's value. */
  alias?: string;
  _implementsDataqueryVariant(): void;
}

export class InfluxQLQueryBuilder implements Builder<Dataquery> {
  private readonly internal: InfluxQLQuery;

  constructor(query: AnySelect) {
    this.internal = {
      datasource: DATASOURCE,
      rawQuery: true,
      query: query.toString(),
      resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    };
  }

  build(): InfluxQLQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  /** Read by an expression only, not drawn. */
  hide(): this {
    this.internal.hide = true;
    return this;
  }

  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  table(): this {
    this.internal.resultFormat = 'table';
    return this;
  }
}

/** An InfluxQL target; `refId` names it for expressions, transformations and overrides. */
export const influx = (refId: string, query: AnySelect) => new InfluxQLQueryBuilder(query).refId(refId);

/** A math expression over other targets of the panel, e.g. `$A / $B * 1000`. */
export const math = (refId: string, expression: string) =>
  new TypeMathBuilder().refId(refId).datasource(EXPRESSIONS).expression(expression);
