import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { previewPage } from '../../console/preview-page.js';
import type { TimeRange } from '../../dashboards/grafana.js';
import { loadDashboards, previewDashboard, queryWith, summaryOf } from '../../dashboards/preview.js';
import { busiest, fillDashboardFleet } from '../helpers/dashboard-fleet.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

/**
 * The dashboards without Grafana: a short simulated run in a real influxd, then the console's
 * dashboards page in Debian's chromium, signed in as the regulator: every panel of every
 * dashboard drawn with data; the static file of `liftwatch dashboards preview` the same.
 * Screenshots go to test-artifacts/dashboards/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts/dashboards';
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Each wait of a step: a dashboard's panels are computed at once, in a second or two. */
const STEP_TIMEOUT_MS = 15_000;
/** The preset that covers the simulated run (it started three to four weeks ago). */
const RANGE = '30d';

const dashboards = loadDashboards().map((dashboard) => ({ dashboard, ...summaryOf(dashboard) }));
let system: TestSystem;
let browser: Browser;
let range: TimeRange;
const keys = { regulator: '', insurer: '' };
const pageErrors: string[] = [];

async function createKey(kind: 'regulators' | 'insurers', body: object): Promise<string> {
  const response = await fetch(`${system.httpUrl}/api/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${system.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { apiKey: string }).apiKey;
}

async function newPage(viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

/** What the wait below reads of the page (this file is compiled without the DOM's types). */
interface PageDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null; value?: string } | null;
}

/** Waits until the page shows `uid` computed, and every variable picker holds what `chosen` says. */
async function loaded(page: Page, uid: string, chosen: Record<string, string> = {}) {
  await page.waitForFunction(
    ([uid, chosen]) => {
      const { document } = globalThis as unknown as { document: PageDocument };
      return (
        document.querySelector('.dash-view')?.getAttribute('aria-busy') === 'false' &&
        document.querySelector(`.dash-grid[data-uid="${uid}"]`) !== null &&
        Object.entries(chosen).every(
          ([name, value]) => document.querySelector(`select[name="var-${name}"]`)?.value === value,
        )
      );
    },
    [uid, chosen] as const,
  );
}

/** Panels drawn, and the titles of those drawn without data or with an error. */
async function panelStates(page: Page, scope: string) {
  const panels = page.locator(`${scope} .dash-panel`);
  const states = await panels.evaluateAll((elements) =>
    elements.map((element) => ({
      title: element.querySelector('h3')?.textContent ?? '',
      state: element.getAttribute('data-state'),
    })),
  );
  return { count: states.length, without: states.filter(({ state }) => state !== 'data').map(({ title }) => title) };
}

const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  [system, browser] = await Promise.all([
    startTestSystem(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  range = await fillDashboardFleet(system);
  keys.regulator = await createKey('regulators', { id: 'SAMR-CQ', name: '重庆市市场监管局' });
  keys.insurer = await createKey('insurers', { id: 'INS-PICC', name: '人保财险重庆分公司' });
}, 120_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('GET /api/dashboards', () => {
  const get = (route: string, key: string) =>
    fetch(`${system.httpUrl}${route}`, { headers: { authorization: `Bearer ${key}` } });

  it('answers the admin and regulators; refuses insurers; knows its dashboards and ranges', async () => {
    const listed = (await (await get('/api/dashboards', keys.regulator)).json()) as Array<{ uid: string }>;
    expect(listed.map(({ uid }) => uid)).toEqual(dashboards.map(({ uid }) => uid));
    expect((await get('/api/dashboards', keys.insurer)).status).toBe(403);
    expect((await get('/api/dashboards/lw-insurer-sla', keys.insurer)).status).toBe(403);
    expect((await get('/api/dashboards/lw-nothing', system.adminToken)).status).toBe(404);
    const reversed = '/api/dashboards/lw-fleet-health?from=2026-11-20T00:00:00Z&to=2026-11-01T00:00:00Z';
    expect((await get(reversed, system.adminToken)).status).toBe(400);
  });
});

describe('the dashboards page', () => {
  it('draws every panel of every dashboard with data for the regulator, from the console', async () => {
    const page = await newPage();
    await page.goto(`${system.httpUrl}/console`);
    await page.fill('#api-key', keys.regulator);
    await page.click('button[type=submit]');
    await page.click('#dashboards-link');
    await loaded(page, dashboards[0]?.uid ?? '');
    await page.selectOption('#range', RANGE);
    for (const { uid, panels, dashboard } of dashboards) {
      await page.selectOption('#dashboard', uid);
      await loaded(page, uid);
      // A drill-down's one value (the elevator): the busiest, as the proof by query takes it.
      for (const variable of dashboard.templating.list ?? []) {
        if (variable.multi) continue;
        const select = page.locator(`select[name="var-${variable.name}"]`);
        const options = await select.locator('option').evaluateAll((all) => all.map((one) => one.textContent ?? ''));
        const value = (await busiest(system, variable.name, options)) ?? '';
        await select.selectOption(value);
        await loaded(page, uid, { [variable.name]: value });
      }
      const states = await panelStates(page, `.dash-grid[data-uid="${uid}"]`);
      await screenshot(page, uid);
      expect(states.count, uid).toBe(panels);
      expect(states.without, `${uid}: panels without data`).toEqual([]);
    }
    expect(await page.locator('.dash-panel svg.plot path.series').count()).toBeGreaterThan(0);
    await page.context().close();
  }, 90_000);

  it('signs in on its own, refuses an insurer, and fits a phone', async () => {
    const insurer = await newPage();
    await insurer.goto(`${system.httpUrl}/console/dashboards`);
    await insurer.fill('#api-key', keys.insurer);
    await insurer.click('button[type=submit]');
    await expect.poll(() => insurer.textContent('[role=alert]')).toContain('只有管理员和监管部门');
    await insurer.context().close();

    const page = await newPage(PHONE);
    await page.goto(`${system.httpUrl}/console/dashboards#/lw-fleet-health?range=${RANGE}`);
    await page.fill('#api-key', keys.regulator);
    await page.click('button[type=submit]');
    await loaded(page, 'lw-fleet-health');
    const widths = await page
      .locator('.dash-panel')
      .evaluateAll((panels) => panels.map((panel) => panel.getBoundingClientRect().width));
    const mainWidth = await page.locator('.dash-grid').evaluate((grid) => grid.getBoundingClientRect().width);
    expect(Math.min(...widths)).toBeCloseTo(mainWidth, 0);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
      0,
    );
    await screenshot(page, 'phone-lw-fleet-health');

    await page.click('#language');
    await page.waitForSelector('html[lang="en"]');
    expect(await page.textContent('h1')).toBe('Dashboards');
    expect(await page.textContent('#range option:checked')).toBe('Last 30 days');
    await page.context().close();
  });

  it('the static preview file draws the same dashboards, opened from disk', async () => {
    const query = queryWith(system.telemetry.store);
    const previews = await Promise.all(
      dashboards.map(async ({ dashboard }) => {
        const requested: Record<string, string[]> = {};
        for (const variable of dashboard.templating.list ?? []) {
          if (variable.multi) continue;
          const elevators = (await system.query(`SHOW TAG VALUES FROM "telemetry" WITH KEY = "${variable.name}"`))
            .flatMap((series) => series.rows)
            .map((row) => String(row.value));
          requested[variable.name] = [(await busiest(system, variable.name, elevators)) ?? ''];
        }
        return previewDashboard(dashboard, query, range, requested);
      }),
    );
    const file = path.resolve(ARTIFACTS, 'preview.html');
    fs.writeFileSync(file, previewPage(previews, new Date()));
    const page = await newPage();
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('.preview-dashboard .dash-grid');
    for (const { uid, panels } of dashboards) {
      const states = await panelStates(page, `#${uid}`);
      expect(states.count, uid).toBe(panels);
      expect(states.without, `${uid}: panels without data`).toEqual([]);
    }
    await screenshot(page, 'static-preview');
    await page.context().close();
  });
});
