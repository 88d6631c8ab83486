import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboards, summaryOf } from '../../dashboards/preview.js';
import { playQuietFleet } from '../helpers/quiet-fleet.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

/**
 * The console's dashboards page in the first minutes after `liftwatch start`: with no data at all
 * every panel says so, in the page's language; with telemetry but no fault or ticket yet, the
 * panels without data say so too, and no panel shows an error.
 */
const CHROMIUM = '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15_000;
const NO_DATA = '无数据';

const dashboards = loadDashboards().map(summaryOf);
const systems: { empty?: TestSystem; quiet?: TestSystem } = {};
let browser: Browser;

beforeAll(async () => {
  [systems.empty, systems.quiet, browser] = await Promise.all([
    startTestSystem(),
    startTestSystem(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  await playQuietFleet(systems.quiet);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await systems.empty?.stop();
  await systems.quiet?.stop();
});

/** Each dashboard's panels as the page draws them: state (data, empty, error) and the text of an empty one. */
async function panelsShown(system: TestSystem, afterwards?: (page: Page) => Promise<void>) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${system.httpUrl}/console/dashboards`);
  await page.fill('#api-key', system.adminToken);
  await page.click('button[type=submit]');
  const shown: Record<string, Array<{ state: string | null; text: string | null }>> = {};
  for (const { uid } of dashboards) {
    await page.goto(`${system.httpUrl}/console/dashboards#/${uid}`);
    await page.waitForSelector(`.dash-view[aria-busy="false"] .dash-grid[data-uid="${uid}"]`);
    shown[uid] = await page.locator(`.dash-grid[data-uid="${uid}"] .dash-panel`).evaluateAll((elements) =>
      elements.map((element) => ({
        state: element.getAttribute('data-state'),
        text: element.querySelector('.no-data, .panel-error')?.textContent ?? null,
      })),
    );
  }
  await afterwards?.(page);
  expect(pageErrors).toEqual([]);
  await context.close();
  return shown;
}

describe('the dashboards page', () => {
  it('says 无数据 (No data) in every panel of every dashboard when liftwatch holds no data', async () => {
    const shown = await panelsShown(systems.empty as TestSystem, async (page) => {
      await page.click('#language');
      await page.waitForSelector('html[lang="en"]');
      expect(await page.locator('.dash-panel .no-data').first().textContent()).toBe('No data');
    });
    for (const { uid, panels } of dashboards) {
      expect(shown[uid], uid).toEqual(Array.from({ length: panels }, () => ({ state: 'empty', text: NO_DATA })));
    }
  }, 60_000);

  it('draws what telemetry alone gives and says 无数据 in the other panels, none with an error', async () => {
    const shown = await panelsShown(systems.quiet as TestSystem);
    const all = Object.entries(shown).flatMap(([uid, panels]) => panels.map((panel) => ({ uid, ...panel })));
    expect(all.filter(({ state }) => state === 'error')).toEqual([]);
    expect(all.filter(({ state }) => state === 'empty').every(({ text }) => text === NO_DATA)).toBe(true);
    expect(all.filter(({ state }) => state === 'data').length).toBeGreaterThan(0);
  }, 60_000);
});
