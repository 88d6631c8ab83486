import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket, TicketDetail } from '../../contract/index.js';
import { connectDevice, publish } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

/**
 * The web console in Debian's chromium, against a whole liftwatch: an insurer watches an
 * entrapment arrive live and acknowledges it; the regulator sees it and may not act; the labels
 * switch to English; the pages fit a phone. Screenshots go to test-artifacts/console/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts/console';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const ELEVATOR = 'CQ-CONSOLE-01';
const INSURER = 'INS-CONSOLE';
const ENTRAPMENT = 93;
const SECOND_MS = 1000;
/** Each wait of a step: well under the test's own timeout, so a failure names the step. */
const STEP_TIMEOUT_MS = 10_000;
const TRAPPED_AT_FLOOR = 7;
/** Close times of today's door cycles, whose mean the door figures show. */
const CLOSE_MS = [3000, 5000];

let system: TestSystem;
let browser: Browser;
let deviceToken = '';
const keys = { insurer: '', regulator: '' };
/** The entrapment ticket the first test sees opened; the later ones look at it. */
let ticketId = '';
/** Uncaught errors in the console's scripts: each test ends with none. */
const pageErrors: string[] = [];

async function adminCall<T>(method: 'GET' | 'POST', url: string, body?: object): Promise<T> {
  const response = await fetch(`${system.httpUrl}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${system.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** A fresh tab (its own sessionStorage and localStorage) signed in with `key`, the live feed open. */
async function signedIn(key: string, viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${system.httpUrl}/console`);
  await page.fill('#api-key', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-live="on"]');
  return page;
}

const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  [system, browser] = await Promise.all([
    startTestSystem(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  keys.insurer = (
    await adminCall<{ apiKey: string }>('POST', '/api/insurers', { id: INSURER, name: '人保财险重庆分公司' })
  ).apiKey;
  keys.regulator = (
    await adminCall<{ apiKey: string }>('POST', '/api/regulators', { id: 'SAMR-CQ', name: '重庆市市场监管局' })
  ).apiKey;
  deviceToken = await system.register(registration(ELEVATOR, { insurer: INSURER }));
});

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the web console', () => {
  it('refuses a wrong key and keeps nothing of it', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${system.httpUrl}/console`);
    await page.fill('#api-key', 'lw_not_a_real_key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('密钥无效');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });

  it('shows an insurer an entrapment live, and acknowledges it from the ticket page', async () => {
    const page = await signedIn(keys.insurer);
    await expect.poll(() => page.textContent('.queue .count')).toBe('没有符合条件的工单');
    await screenshot(page, '1-queue-empty');

    const device = await connectDevice(system.mqttUrl, ELEVATOR, deviceToken);
    const now = Date.now();
    let seq = 0;
    // One door cycle a second: InfluxDB keeps one point per series and time.
    for (const [index, closeMs] of CLOSE_MS.entries()) {
      await publish(device, ELEVATOR, 'doors', {
        ts: now - (CLOSE_MS.length - index) * SECOND_MS,
        seq: ++seq,
        floor: 1,
        openMs: 4000,
        closeMs,
        reopens: 1,
        obstructed: false,
      });
    }
    await publish(device, ELEVATOR, 'faults', { ts: now, seq: ++seq, code: ENTRAPMENT, floor: TRAPPED_AT_FLOOR });

    // Appears without a reload: the page is the one signed in above.
    const row = page.locator('tr[data-ticket-id]');
    await row.waitFor();
    ticketId = (await row.getAttribute('data-ticket-id')) ?? '';
    expect(await row.locator('[data-severity]').getAttribute('data-severity')).toBe('critical');
    expect(await row.locator('[data-status]').textContent()).toBe('待处理');
    expect(await row.textContent()).toContain('困人');
    await screenshot(page, '2-queue-live-entrapment');

    await system.ingest.flush();
    await row.locator('a').first().click();
    await page.waitForSelector('button[data-action="ack"]');
    expect(await page.textContent('table.occurrences')).toContain(`${ENTRAPMENT} 困人`);
    await page.waitForSelector('.recent table.faults');
    expect(await page.textContent('.recent table.faults')).toContain(String(TRAPPED_AT_FLOOR));
    const today = page.locator('.recent table.doors tbody tr').last();
    expect(await today.locator('td').nth(1).textContent()).toBe(String(CLOSE_MS.length));
    expect(await today.locator('td').nth(2).textContent()).toBe('4.0 秒');
    const offered = await page
      .locator('button[data-action]')
      .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action')));
    expect(offered).toEqual(['ack', 'dispatch', 'resolve', 'false-alarm']);

    await page.fill('input[name=note]', '已联系维保单位');
    await page.click('button[data-action="ack"]');
    await page.waitForSelector('h1 [data-status="acknowledged"]');
    expect(await page.locator('button[data-action="ack"]').count()).toBe(0);
    expect(await page.textContent('table.history')).toContain('已联系维保单位');
    await screenshot(page, '3-ticket-acknowledged');

    const ticket = await adminCall<TicketDetail>('GET', `/api/tickets/${ticketId}`);
    expect(ticket).toMatchObject({ status: 'acknowledged', acknowledged: { by: `insurer:${INSURER}` } });
    expect(ticket.history.at(-1)).toMatchObject({ action: 'ack', note: '已联系维保单位' });

    // Back in the queue, another hand's step shows in place.
    await page.click('a[href="#/"]');
    await page.waitForSelector(`tr[data-ticket-id="${ticketId}"] [data-status="acknowledged"]`);
    await adminCall<Ticket>('POST', `/api/tickets/${ticketId}/dispatch`);
    await page.waitForSelector(`tr[data-ticket-id="${ticketId}"] [data-status="dispatched"]`);
    expect(await page.locator('tr[data-ticket-id]').count()).toBe(1);
    await page.context().close();
  });

  it('shows the regulator the ticket without a single action button', async () => {
    expect(ticketId).not.toBe('');
    const page = await signedIn(keys.regulator);
    await page.waitForSelector(`tr[data-ticket-id="${ticketId}"]`);
    await page.goto(`${system.httpUrl}/console#/tickets/${ticketId}`);
    await page.waitForSelector('h1 [data-status="dispatched"]');
    await page.waitForSelector('.recent table.doors');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    expect(await page.locator('.actions').count()).toBe(0);
    expect(await page.textContent('main')).not.toMatch(/\bnull\b|\bundefined\b/);
    expect(await page.textContent('.who')).toContain('监管部门');
    await screenshot(page, '4-regulator-ticket');

    await page.click('#language');
    await page.waitForSelector('html[lang="en"]');
    // The page draws again in English; its doors table comes with the elevator's recent events.
    await page.waitForSelector('.recent table.doors');
    expect(await page.textContent('h1')).toContain(`Ticket ${ticketId}`);
    expect(await page.textContent('h1 [data-status]')).toBe('dispatched');
    expect(await page.locator('h2').allTextContents()).toEqual(
      expect.arrayContaining(['Occurrences', 'History', 'Doors, day by day']),
    );
    expect(await page.textContent('table.occurrences')).toContain(`${ENTRAPMENT} entrapment (passengers trapped)`);
    expect(await page.locator('table.history tbody tr td:nth-child(2)').allTextContents()).toEqual([
      'opened',
      'acknowledged',
      'dispatched',
    ]);
    await screenshot(page, '5-regulator-ticket-english');

    // Remembered, and still signed in, after a reload.
    await page.reload();
    await page.waitForSelector('h1 [data-status="dispatched"]');
    expect(await page.textContent('#sign-out')).toBe('Sign out');
    await page.click('#sign-out');
    await page.waitForSelector('#api-key');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });

  it('fits a phone screen: queue cards, ticket and elevator pages without sideways scrolling', async () => {
    expect(ticketId).not.toBe('');
    const page = await signedIn(keys.insurer, PHONE);
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    await page.waitForSelector(`tr[data-ticket-id="${ticketId}"]`);
    expect(await page.locator('table.tickets thead').isVisible()).toBe(false);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, '6-phone-queue');

    await page.click(`tr[data-ticket-id="${ticketId}"] a`);
    await page.waitForSelector('button[data-action="arrive"]');
    await page.waitForSelector('.recent table.doors');
    const button = await page.locator('button[data-action="arrive"]').boundingBox();
    expect((button?.x ?? Infinity) + (button?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, '7-phone-ticket');

    await page.click(`a[href="#/elevators/${ELEVATOR}"]`);
    await page.waitForSelector('.elevator .recent table.doors');
    expect(await page.textContent('.elevator dl')).toContain('渝中区');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, '8-phone-elevator');
    await page.context().close();
  });

  it('signs out once its key is revoked: the live feed ends and its reconnect is refused', async () => {
    const { apiKey, keyId } = await adminCall<{ apiKey: string; keyId: string }>('POST', '/api/use-units', {
      id: 'UU-CONSOLE',
      name: '阳光物业',
    });
    const page = await signedIn(apiKey);
    // No click, no page load: only the feed can notice.
    const revoked = await fetch(`${system.httpUrl}/api/keys/${keyId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${system.adminToken}` },
    });
    expect(revoked.status).toBe(204);
    await page.waitForSelector('#api-key');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });
});
