import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { SYMPTOM_HISTORY, symptomMessages, writeMessages } from '../helpers/symptom-history.js';

/**
 * The ticket page's symptom chart in Debian's chromium on a phone-sized screen: a detector's
 * ticket shows its family's counted days as bars against the elevator's usual as a line, its
 * opening marked, the days set aside shaded, a table for screen readers and small screens; an
 * entrapment ticket shows every family that had events. Screenshots go to test-artifacts/console/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts/console';
const PHONE = { width: 390, height: 844 };
const ADMIN = 'admin-key-of-the-symptom-chart-test';
const ELEVATOR = 'CQ-SYMPTOMS-01';
const INSURER = 'INS-SYMPTOMS';
const STEP_TIMEOUT_MS = 15_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The chart's colours for counted and set-aside bars (console/public/symptoms.js). */
const COUNTED = '#1f78c1';
const SET_ASIDE = '#9aa3b2';

let store: Store;
let app: FastifyInstance;
let browser: Browser;
let baseUrl = '';
let insurerKey = '';
const tickets = { detector: '', entrapment: '' };
const pageErrors: string[] = [];
const now = Date.now();
/** The detector's warning opened on the third door fault of the rise. */
const openedAt = shanghaiMidnight(now) - SYMPTOM_HISTORY.rise.daysAgo * DAY_MS + 9 * HOUR_MS + 20 * 60_000;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  store = openSqliteStore(tempDir());
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const created = await app.inject({
    method: 'POST',
    url: '/api/insurers',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { id: INSURER, name: '人保财险重庆分公司' },
  });
  insurerKey = created.json().apiKey;
  const elevator = store.elevators.register(registration(ELEVATOR, { insurer: INSURER }), 'h');
  await writeMessages(telemetry, elevator, symptomMessages(now), now);
  tickets.detector = store.tickets.record(
    {
      elevator,
      rule: 'door-faults-recurring',
      ruleVersion: 2,
      configVersion: 0,
      severity: 'minor',
      category: 'hazard',
      title: "Door faults 3 in the last 7 days against this elevator's usual 2.3 a week (rate ratio 1.3)",
      external: false,
      deadlineAt: null,
      occurrences: [{ at: openedAt, seq: 1, code: 2, floor: 3, external: false }],
      evidence: {
        family: 'door-faults',
        test: 'rate-rise',
        count: 3,
        windowDays: 7,
        usualPerWeek: 2.3,
        rateRatio: 1.3,
        risingSince: null,
        floor: null,
        testedRatio: 2,
        statistic: 5.1,
        threshold: 5,
        falseAlarmYears: 100,
        peerShare: 0.02,
      },
    },
    new Date(),
  ).ticket.id;
  tickets.entrapment = store.tickets.record(entrapmentTicket(elevator), new Date()).ticket.id;
});

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  store?.close();
});

async function phoneTicketPage(id: string): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/console`);
  await page.fill('#api-key', insurerKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-live="on"]');
  await page.goto(`${baseUrl}/console#/tickets/${id}`);
  await page.waitForSelector('.symptoms figure .chart svg');
  return page;
}

const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
const bars = (page: Page, family: string, color: string) =>
  page.locator(`.symptoms figure[data-family="${family}"] svg rect[fill="${color}"]`).count();

describe("the ticket page's symptom chart", () => {
  it("draws a detector ticket's family a day against the elevator's usual, its opening marked, on a phone", async () => {
    const page = await phoneTicketPage(tickets.detector);
    expect(
      await page.locator('.symptoms figure').evaluateAll((all) => all.map((one) => one.getAttribute('data-family'))),
    ).toEqual(['door-faults']);
    // A bar on each day with counted door faults (one every third day, and the rise), grey ones on
    // the visit's and the power cut's days.
    const countedDays = Array.from({ length: 60 }, (_, daysAgo) => daysAgo).filter(
      (daysAgo) => daysAgo >= SYMPTOM_HISTORY.usualToDaysAgo && daysAgo % SYMPTOM_HISTORY.usualEveryDays === 0,
    ).length;
    expect(await bars(page, 'door-faults', COUNTED)).toBe(countedDays + 1);
    expect(await bars(page, 'door-faults', SET_ASIDE)).toBe(2);
    expect(await page.getAttribute('.symptoms figure path.series', 'd')).toMatch(
      /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){59}$/,
    );
    expect(await page.locator('.symptoms figure line.mark').count()).toBe(1);
    const label = await page.getAttribute('.symptoms figure .chart', 'aria-label');
    expect(label).toContain(`计入 ${countedDays + SYMPTOM_HISTORY.rise.faults} 次`);
    expect(label).toContain(`另有 ${SYMPTOM_HISTORY.visit.faults + SYMPTOM_HISTORY.powerCut.faults} 次不计入`);
    // A third a day (its exact digits depend on where the weeks the baseline learns by fall).
    expect(label).toMatch(/平常每天 0\.3\d 次/);
    expect(await page.textContent('.symptoms h2')).toBe('近 60 天症状与平常水平');

    const chart = await page.locator('.symptoms figure .chart svg').boundingBox();
    expect(chart?.width ?? 0).toBeGreaterThan(PHONE.width / 2);
    expect((chart?.x ?? Infinity) + (chart?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    expect(chart?.height ?? 0).toBeGreaterThan(80);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.locator('.symptoms figure').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, '9-phone-symptoms.png'), fullPage: true });
    await page.locator('.symptoms figure').screenshot({ path: path.join(ARTIFACTS, '10-phone-symptom-chart.png') });

    // The same figures as a table: one row a day.
    await page.click('.symptoms summary');
    const rows = page.locator('table.symptom-days tbody tr');
    expect(await rows.count()).toBe(60);
    const visitRow = rows.nth(59 - SYMPTOM_HISTORY.visit.daysAgo);
    expect(await visitRow.locator('td').allTextContents()).toEqual([
      expect.any(String),
      '0',
      String(SYMPTOM_HISTORY.visit.faults),
      expect.stringMatching(/^0\.3\d$/),
      '92%',
    ]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.context().close();
  });

  it('shows another ticket every family that had events, in English once switched', async () => {
    const page = await phoneTicketPage(tickets.entrapment);
    expect(
      await page.locator('.symptoms figure').evaluateAll((all) => all.map((one) => one.getAttribute('data-family'))),
    ).toEqual(['door-faults', 'position']);
    // The entrapment's opening, on each chart.
    expect(await page.locator('.symptoms figure line.mark').count()).toBe(2);
    await page.click('#language');
    await page.waitForSelector('html[lang="en"]');
    await page.waitForSelector('.symptoms figure[data-family="position"] figcaption');
    expect(await page.textContent('.symptoms figure[data-family="position"] figcaption')).toContain(
      'Stops outside the door zone or lost floors · 1 counted in 60 days',
    );
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.context().close();
  });
});
