import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transform, type Frame } from '../../dashboards/grafana.js';
import { hasFigures, loadDashboards, previewDashboard, previewRange, queryWith } from '../../dashboards/preview.js';
import { playQuietFleet } from '../helpers/quiet-fleet.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

/**
 * Panels with nothing to show say so plainly, in Grafana (each panel's noValue) and in the
 * preview: over an empty database, and over the first minutes of a fleet, when InfluxDB holds
 * telemetry but no fault, visit or ticket yet (a table's derived column then names a column no
 * query returned, which Grafana leaves out rather than failing the panel).
 */

const dashboards = loadDashboards();
const panelsOf = (dashboard: (typeof dashboards)[number]) =>
  (dashboard.panels ?? []).filter((panel): panel is Panel => panel.type !== 'row');

async function previewAll(system: TestSystem) {
  const range = previewRange(undefined, undefined);
  return Promise.all(
    dashboards.map((dashboard) => previewDashboard(dashboard, queryWith(system.telemetry.store), range)),
  );
}

describe('generated dashboards', () => {
  it('give every panel a plain "no data" (无数据) for when its queries return nothing', () => {
    for (const dashboard of dashboards) {
      for (const panel of panelsOf(dashboard)) {
        expect(panel.fieldConfig?.defaults.noValue, `${dashboard.uid} / ${panel.title}`).toBe('无数据');
      }
    }
  });
});

describe('table transformations', () => {
  const rows: Frame[] = [
    {
      refId: 'A',
      fields: [
        { name: 'district', values: ['渝中区'] },
        { name: '千次运行', values: [4] },
      ],
    },
  ];
  const perThousand = {
    id: 'calculateField',
    options: { mode: 'binary', alias: '每千次运行故障', binary: { left: '故障', operator: '/', right: '千次运行' } },
  };

  it('pass over a column no query returned when a query returned nothing, as Grafana does', () => {
    const [table] = transform(rows, [perThousand, { id: 'sortBy', options: { sort: [{ field: '故障' }] } }], {
      complete: false,
    });
    expect(table?.fields.map((field) => field.name)).toEqual(['district', '千次运行']);
  });

  it('refuse a column no query returned when every query returned data: a mistake in the dashboard', () => {
    expect(() => transform(rows, [perThousand], { complete: true })).toThrow(/names "故障", which no query returns/);
  });
});

describe('the preview over an empty database', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system?.stop());

  it('shows every panel without data and without an error', async () => {
    for (const preview of await previewAll(system)) {
      for (const panel of preview.panels.filter((one) => one.type !== 'row')) {
        const where = `${preview.uid} / ${panel.title}`;
        expect(panel.error, where).toBeUndefined();
        expect(hasFigures(panel), where).toBe(false);
      }
    }
  });
});

describe('the preview over telemetry alone', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
    await playQuietFleet(system);
  }, 60_000);
  afterAll(() => system?.stop());

  it('draws what it has and shows the rest without data, no panel with an error', async () => {
    expect(await system.query('SELECT count(runs) FROM telemetry')).not.toEqual([]);
    expect(await system.query('SELECT count(code) FROM faults')).toEqual([]);
    const previews = await previewAll(system);
    const errors = previews.flatMap((preview) =>
      preview.panels.filter((panel) => panel.error).map((panel) => `${preview.uid} / ${panel.title}: ${panel.error}`),
    );
    expect(errors).toEqual([]);
    const drawn = previews.flatMap((preview) => preview.panels.filter(hasFigures));
    expect(drawn.length).toBeGreaterThan(0);
  });
});
