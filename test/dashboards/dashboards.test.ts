import fs from 'node:fs';
import path from 'node:path';
import type { Dashboard, GridPos, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GENERATED_DIR, buildDashboards } from '../../dashboards/build.js';
import { EXPRESSIONS } from '../../dashboards/targets.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';

const root = path.resolve(import.meta.dirname, '../..');
const readYaml = (file: string) => parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

const GRID_COLUMNS = 24;
const built = buildDashboards();
const dashboards = built.map(({ json }) => JSON.parse(json) as Dashboard);
const provisionedDatasource = (
  readYaml('dashboards/provisioning/datasources/influxdb.yaml') as { datasources: Array<{ uid: string }> }
).datasources[0]?.uid;

const overlap = (a: GridPos, b: GridPos) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('generated dashboards', () => {
  it('are committed exactly as `build` writes them, one file per dashboard', () => {
    const committed = fs.readdirSync(GENERATED_DIR).sort();
    expect(committed).toEqual(built.map(({ file }) => file).sort());
    for (const { file, json } of built) {
      expect(fs.readFileSync(path.join(GENERATED_DIR, file), 'utf8'), `${file} is stale: run the build`).toBe(json);
    }
  });

  it('each have a uid of their own, a title, and Shanghai time', () => {
    const uids = dashboards.map((dashboard) => dashboard.uid);
    expect(new Set(uids).size).toBe(dashboards.length);
    for (const dashboard of dashboards) {
      expect(dashboard.uid).toMatch(/^[\w-]{8,40}$/);
      expect(dashboard.title).toBeTruthy();
      expect(dashboard.timezone).toBe('Asia/Shanghai');
    }
  });

  describe.each(dashboards.map((dashboard) => ({ uid: dashboard.uid as string, dashboard })))(
    '$uid',
    ({ dashboard }) => {
      const panels = dashboard.panels as Panel[];

      it('numbers its panels uniquely', () => {
        const ids = panels.map((panel) => panel.id);
        expect(ids.every((id) => Number.isInteger(id) && (id as number) > 0)).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('places every panel inside the grid, none over another', () => {
        for (const [index, panel] of panels.entries()) {
          const box = panel.gridPos as GridPos;
          expect(box.x + box.w, panel.title).toBeLessThanOrEqual(GRID_COLUMNS);
          for (const other of panels.slice(index + 1)) {
            expect(overlap(box, other.gridPos as GridPos), `${panel.title} and ${other.title}`).toBe(false);
          }
        }
      });

      it('reads only the provisioned data source (and Grafana expressions over it)', () => {
        expect(provisionedDatasource).toBe('liftwatch-influxdb');
        for (const panel of panels.filter((candidate) => candidate.type !== 'row')) {
          expect(panel.datasource?.uid, panel.title).toBe(provisionedDatasource);
          expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
          for (const target of panel.targets as unknown as Array<{ datasource: { uid: string } }>) {
            expect([provisionedDatasource, EXPRESSIONS.uid], panel.title).toContain(target.datasource.uid);
          }
        }
        for (const variable of (dashboard.templating?.list ?? []) as Array<{ datasource?: { uid: string } }>) {
          expect(variable.datasource?.uid).toBe(provisionedDatasource);
        }
      });

      it('titles every panel in Chinese and describes it in English', () => {
        for (const panel of panels.filter((candidate) => candidate.type !== 'row')) {
          expect(panel.title, panel.title).toMatch(/\p{Script=Han}/u);
          expect(panel.description, panel.title).toMatch(/^[A-Z][\x20-\x7e×÷]+$/);
        }
      });
    },
  );
});

describe('Grafana provisioning of the dashboards', () => {
  it('has a file provider reading the folder docker-compose mounts the generated dashboards on', () => {
    const { providers } = readYaml('dashboards/provisioning/dashboards/liftwatch.yaml') as {
      providers: Array<{ type: string; allowUiUpdates: boolean; options: { path: string } }>;
    };
    const [provider] = providers;
    expect(provider).toMatchObject({ type: 'file', allowUiUpdates: false });
    const { grafana } = (readYaml('docker-compose.yml') as { services: Record<string, { volumes: string[] }> })
      .services as { grafana: { volumes: string[] } };
    const mount = grafana.volumes.find((volume) => volume.split(':')[1] === provider?.options.path);
    expect(mount?.split(':')[0]).toBe(`./${path.relative(root, GENERATED_DIR)}`);
  });
});

describe('liftwatch dashboards', () => {
  it('builds the committed files into --out', async () => {
    const out = tempDir();
    const cli = runCli(['dashboards', 'build', '--out', out]);
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout()).toMatch(/dashboards build: wrote .*lw-fleet-health\.json/);
    for (const { file, json } of built) expect(fs.readFileSync(path.join(out, file), 'utf8')).toBe(json);
  });

  it('explains itself with --help and refuses a build without --out', async () => {
    const help = runCli(['dashboards', '--help']);
    expect(await help.exited()).toBe(0);
    expect(help.stdout()).toMatch(/liftwatch dashboards build --out DIR/);
    const bad = runCli(['dashboards', 'build']);
    expect(await bad.exited()).toBe(2);
    expect(bad.stderr()).toMatch(/dashboards build needs --out DIR/);
  });
});
