import type { Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { Dashboard, Panel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import type { DashboardPreview, PreviewPanel } from '../../contract/index.js';
import { MAX_TABLE_ROWS } from '../../dashboards/display.js';
import type { Series } from '../../dashboards/grafana.js';
import { previewDashboard, previewRange } from '../../dashboards/preview.js';
import { DATASOURCE } from '../../dashboards/targets.js';
import type { BoundQuery, QueryParams } from '../../influx/types.js';

/**
 * The dashboards computed without Grafana: variables chosen as Grafana would, panels shaped for
 * drawing (stat, time series, table, a failing panel, an empty one).
 */

const DAY_MS = 86_400_000;
const range = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 10, 8) };
const at = (day: number) => range.fromMs + day * DAY_MS;

const variable = (name: string, query: string, all: boolean): VariableModel =>
  ({
    type: 'query',
    name,
    label: name.toUpperCase(),
    query,
    multi: all,
    includeAll: all,
    ...(all ? { allValue: '.*' } : {}),
  }) as VariableModel;

const target = (query: string, resultFormat = 'time_series') =>
  ({ refId: 'A', datasource: DATASOURCE, rawQuery: true, query, resultFormat }) as unknown as Dataquery;

const panel = (id: number, type: string, query: string, extra: Partial<Panel> = {}): Panel => ({
  id,
  type,
  title: `panel ${id}`,
  gridPos: { x: 0, y: id, w: 12, h: 8 },
  targets: [target(query)],
  ...extra,
});

/** One dashboard with a panel of each kind the preview shapes differently. */
const dashboard = {
  uid: 'lw-test',
  title: '测试',
  description: 'a test',
  templating: {
    list: [
      variable('district', 'SHOW TAG VALUES WITH KEY = "district"', true),
      variable('elevator', 'SHOW TAG VALUES WITH KEY = "elevator" WHERE "district" =~ /^$district$/', false),
    ],
  },
  panels: [
    { id: 1, type: 'row', title: '$elevator', gridPos: { x: 0, y: 0, w: 24, h: 1 }, collapsed: false, panels: [] },
    panel(2, 'stat', 'STAT $elevator', {
      fieldConfig: { defaults: { unit: 'percentunit', decimals: 1 }, overrides: [] },
    }),
    panel(3, 'timeseries', 'LINES', {
      fieldConfig: { defaults: { unit: 'suffix: 次', displayName: '${__field.labels.district}' }, overrides: [] },
    }),
    {
      ...panel(4, 'table', 'TABLE'),
      targets: [target('TABLE', 'table')],
      transformations: [{ id: 'sortBy', options: { sort: [{ field: 'faults', desc: true }] } }],
    },
    panel(5, 'stat', 'BROKEN'),
    {
      ...panel(6, 'table', 'EMPTY'),
      targets: [target('EMPTY', 'table')],
      transformations: [{ id: 'organize', options: { renameByName: { faults: '故障' } } }],
    },
  ],
} as unknown as Dashboard;

/** InfluxDB as a table of answers, by the start of each statement; what it was asked is kept. */
function fakeInflux() {
  const asked: BoundQuery[] = [];
  const answers: Array<[string, Series[]]> = [
    [
      'SHOW TAG VALUES WITH KEY = "district"',
      [
        {
          name: 'telemetry',
          columns: ['key', 'value'],
          values: [
            ['district', '渝中区'],
            ['district', '江北区'],
          ],
        },
      ],
    ],
    [
      'SHOW TAG VALUES WITH KEY = "elevator"',
      [
        {
          name: 'telemetry',
          columns: ['key', 'value'],
          values: [
            ['elevator', 'CQ-1'],
            ['elevator', 'CQ-2'],
          ],
        },
      ],
    ],
    ['EMPTY', []],
    [
      'STAT',
      [
        {
          name: 'm',
          columns: ['time', 'share'],
          values: [
            [at(1), 0.25],
            [at(2), 0.5],
            [at(3), null],
          ],
        },
      ],
    ],
    [
      'LINES',
      [
        {
          name: 'm',
          tags: { district: '渝中区' },
          columns: ['time', 'n'],
          values: [
            [at(3), 3],
            [at(1), 1],
            [at(2), 2],
          ],
        },
        { name: 'm', tags: { district: '江北区' }, columns: ['time', 'n'], values: [[at(1), 5]] },
      ],
    ],
    [
      'TABLE',
      [
        {
          name: 'm',
          columns: ['time', 'elevator', 'faults'],
          values: Array.from({ length: MAX_TABLE_ROWS + 5 }, (_, index) => [at(0), `CQ-${index}`, index]),
        },
      ],
    ],
  ];
  const query = async ({ influxql, params }: BoundQuery): Promise<Series[]> => {
    asked.push({ influxql, params });
    const answer = answers.find(([start]) => influxql.startsWith(start));
    if (!answer) throw new Error(`InfluxQL failed (400): cannot read ${influxql}`);
    return answer[1];
  };
  return { asked, query };
}

/** A statement asked with (among the range's) these variables bound. */
const statement = (influxql: string, variables: QueryParams) => ({
  influxql,
  params: expect.objectContaining(variables),
});

const byId = (preview: DashboardPreview, id: number) => preview.panels.find((one) => one.id === id) as PreviewPanel;
const column = (panel: PreviewPanel, name: string, frame = 0) =>
  panel.frames[frame]?.fields.find((field) => field.name === name)?.values;

describe('previewDashboard', () => {
  it('takes All (written as its all value) and the first elevator by default, as Grafana opens the dashboard', async () => {
    const { asked, query } = fakeInflux();
    const preview = await previewDashboard(dashboard, query, range);
    expect(preview.variables).toMatchObject([
      { name: 'district', label: 'DISTRICT', all: true, selected: [], options: ['渝中区', '江北区'] },
      { name: 'elevator', all: false, selected: ['CQ-1'], options: ['CQ-1', 'CQ-2'] },
    ]);
    expect(asked).toContainEqual(
      statement('SHOW TAG VALUES WITH KEY = "elevator" WHERE "district" =~ $district', {
        district: { regex: '^.*$' },
      }),
    );
    expect(asked).toContainEqual(statement('STAT $elevator', { elevator: 'CQ-1' }));
    expect(byId(preview, 1)).toMatchObject({ type: 'row', title: 'CQ-1', frames: [] });
    expect(preview).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' });
  });

  it('takes the values asked for, and ignores those its tags do not have', async () => {
    const { asked, query } = fakeInflux();
    const preview = await previewDashboard(dashboard, query, range, {
      district: ['江北区', '西城区'],
      elevator: ['CQ-2'],
    });
    expect(preview.variables.map(({ selected }) => selected)).toEqual([['江北区'], ['CQ-2']]);
    expect(asked).toContainEqual(
      statement('SHOW TAG VALUES WITH KEY = "elevator" WHERE "district" =~ $district', {
        district: { regex: '^江北区$' },
      }),
    );
    expect(asked).toContainEqual(statement('STAT $elevator', { elevator: 'CQ-2' }));
  });

  it('shapes each panel as it is drawn: last values, series in time order, tables sorted and cut', async () => {
    const preview = await previewDashboard(dashboard, fakeInflux().query, range);
    const stat = byId(preview, 2);
    expect(stat.frames).toHaveLength(1);
    expect(column(stat, 'Value')).toEqual([0.5]);
    expect(stat.frames[0]?.fields[1]?.config).toEqual({ suffix: '%', factor: 100, decimals: 1 });

    const lines = byId(preview, 3);
    expect(lines.frames.map((frame) => frame.fields[1]?.displayName)).toEqual(['渝中区', '江北区']);
    expect(column(lines, 'Time')).toEqual([at(1), at(2), at(3)]);
    expect(column(lines, 'Value')).toEqual([1, 2, 3]);
    expect(lines.frames[0]?.fields[1]?.config).toEqual({ suffix: ' 次' });

    const table = byId(preview, 4);
    const faults = column(table, 'faults') ?? [];
    expect(faults).toHaveLength(MAX_TABLE_ROWS);
    expect(faults.slice(0, 2)).toEqual([MAX_TABLE_ROWS + 4, MAX_TABLE_ROWS + 3]);
  });

  it('shows a failing panel its error, an empty one no data, and draws the others', async () => {
    const preview = await previewDashboard(dashboard, fakeInflux().query, range);
    expect(byId(preview, 5)).toMatchObject({ frames: [], error: expect.stringMatching(/cannot read BROKEN/) });
    // Its transformation names a column no query returned, as any does when there is no data.
    expect([byId(preview, 6).frames, byId(preview, 6).error]).toEqual([[], undefined]);
    expect(byId(preview, 2).error).toBeUndefined();
  });

  it('takes the last 7 days by default, and refuses a reversed or too long range', () => {
    const now = Date.UTC(2026, 10, 25);
    expect(previewRange(undefined, undefined, now)).toEqual({ fromMs: now - 7 * DAY_MS, toMs: now });
    expect(() => previewRange(now, now - 1)).toThrow(/from must come before to/);
    expect(() => previewRange(now - 400 * DAY_MS, now)).toThrow(/at most 366 days/);
  });
});
