import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { DashboardPreview } from '../../contract/index.js';
import { previewPage } from '../../console/preview-page.js';
import { loadDashboards } from '../../dashboards/preview.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, uniqueDatabase } from '../helpers/fixtures.js';

/** The static page `liftwatch dashboards preview` writes: the dashboards and their figures in one file. */

const DAY_MS = 86_400_000;

const preview = (uid: string, title: string, value: number): DashboardPreview => ({
  uid,
  title,
  description: '',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-08T00:00:00.000Z',
  variables: [],
  panels: [
    {
      id: 1,
      type: 'stat',
      title: '电梯数',
      description: '',
      gridPos: { x: 0, y: 0, w: 4, h: 4 },
      frames: [
        {
          refId: 'A',
          fields: [
            { name: 'Time', displayName: 'Time', config: {}, values: [Date.UTC(2026, 10, 7)] },
            { name: 'Value', displayName: '电梯数', config: { suffix: ' 台' }, values: [value] },
          ],
        },
      ],
    },
  ],
});

/** What the page embeds: the JSON in its data element. */
function embedded(html: string): { generatedAt: string; dashboards: DashboardPreview[] } {
  const data = /<script type="application\/json" id="lw-dashboards">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
  return JSON.parse(data) as { generatedAt: string; dashboards: DashboardPreview[] };
}

describe('the static preview page', () => {
  it('holds each dashboard title and its figures, and code that needs no server', () => {
    const shown = [preview('lw-a', '甲', 4242), preview('lw-b', '</script><script>alert(1)</script>', 7)];
    const html = previewPage(shown, new Date(Date.UTC(2026, 10, 8)));
    expect(embedded(html)).toEqual({ generatedAt: '2026-11-08T00:00:00.000Z', dashboards: shown });
    expect(html).not.toContain('<script>alert(1)');
    // Every module comes inlined: a page opened from disk may not load them from beside it.
    expect(html).not.toMatch(/from '\.\//);
    expect(html).toMatch(/from 'data:text\/javascript;base64,/);
  });

  it('is what `liftwatch dashboards preview` writes from the InfluxDB of INFLUX_URL', async () => {
    const db = uniqueDatabase();
    const influx = new InfluxHttpStore({ url: inject('influxUrl'), db });
    await influx.ensureDatabase();
    const now = Date.now();
    const tags = 'elevator=CQ-PREVIEW-1,district=渝中区,use_unit=UU-1,insurer=INS-1,contractor=MC-1';
    await influx.write([
      `telemetry,${tags} runs=41i,mode=1i ${now - DAY_MS}`,
      `telemetry,${tags} runs=1234567i,mode=1i ${now}`,
    ]);
    const out = path.join(tempDir(), 'preview.html');
    const cli = runCli(['dashboards', 'preview', '--out', out], { INFLUX_URL: inject('influxUrl'), INFLUX_DB: db });
    expect(await cli.exited(), cli.stderr()).toBe(0);
    expect(cli.stdout()).toMatch(/dashboards preview: 电梯安全总览 \(lw-fleet-health\): \d+ panels/);
    const { dashboards } = embedded(fs.readFileSync(out, 'utf8'));
    expect(dashboards.map(({ title }) => title)).toEqual(loadDashboards().map(({ title }) => title));
    const drillDown = dashboards.find(({ uid }) => uid === 'lw-elevator');
    expect(drillDown?.variables.find(({ name }) => name === 'elevator')?.selected).toEqual(['CQ-PREVIEW-1']);
    // The runs the elevator made in the range, as its drill-down counts them (the counter's growth).
    const runs = drillDown?.panels.find(({ title }) => title === '运行次数');
    expect(runs?.frames[0]?.fields[1]?.values).toEqual([1234567 - 41]);
  });

  it('refuses a range that ends before it starts', async () => {
    const reversed = runCli(['dashboards', 'preview', '--from', '2026-11-20', '--to', '2026-11-01'], {
      INFLUX_URL: inject('influxUrl'),
    });
    expect(await reversed.exited()).toBe(2);
    expect(reversed.stderr()).toMatch(/from must come before to/);
  });
});
