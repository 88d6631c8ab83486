import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Elevator } from '../../contract/index.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir } from '../helpers/fixtures.js';
import { within } from '../helpers/within.js';

const ADMIN = 'admin-key-of-the-ticket-events-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const LIVE_POLL_MS = 20;
let store: Store;
let app: FastifyInstance;
const keys = { a: '', b: '' };
const keyIds = { a: '', b: '' };
let elevatorOfA: Elevator;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN, { liveFeedPollMs: LIVE_POLL_MS });
  for (const [name, id, webhookUrl] of [
    ['a', 'INS-A', 'http://127.0.0.1:9/a'],
    ['b', 'INS-B', undefined],
  ] as const) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/insurers',
      headers: admin,
      payload: { id, name: id, webhookUrl },
    });
    keys[name] = response.json().apiKey;
    keyIds[name] = response.json().keyId;
  }
  elevatorOfA = store.elevators.register(registration('ELEV-A', { insurer: 'INS-A' }), 'h');
  store.elevators.register(registration('ELEV-B', { insurer: 'INS-B' }), 'h');
});
afterEach(async () => {
  await app.close();
  store.close();
});

/** A feed end that comes later than this after its key is refused is too late. */
const PROMPTLY_MS = 1000;

/** Opens the live feed on a listening server, as a client would; aborted when the test ends. */
async function openFeed(origin: string, key: string): Promise<Response> {
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  return fetch(`${origin}/api/ticket-events/live`, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal,
  });
}

/** Resolves with everything the feed sent once the server ends it. */
async function ended(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += new TextDecoder().decode(value);
  }
}

function openTicket(elevator: Elevator) {
  return store.tickets.record(entrapmentTicket(elevator), new Date()).ticket;
}

describe('ticket events and deliveries', () => {
  it('insurers poll their own events with an after cursor', async () => {
    const ticket = openTicket(elevatorOfA);
    store.tickets.transition(ticket.id, 'ack', 'insurer:INS-A', null, new Date());
    openTicket(store.elevators.get('ELEV-B')!);
    const page = (
      await app.inject({ url: '/api/ticket-events?limit=1', headers: { authorization: `Bearer ${keys.a}` } })
    ).json();
    expect(page.items.map((event: { type: string }) => event.type)).toEqual(['ticket.opened']);
    const rest = (
      await app.inject({ url: `/api/ticket-events?after=${page.next}`, headers: { authorization: `Bearer ${keys.a}` } })
    ).json();
    expect(rest.items.map((event: { type: string }) => event.type)).toEqual(['ticket.acknowledged']);
    expect(rest.items[0].ticket.acknowledged.by).toBe('insurer:INS-A');
    expect(rest.next).toBeNull();
    const ofB = (
      await app.inject({ url: '/api/ticket-events', headers: { authorization: `Bearer ${keys.b}` } })
    ).json();
    expect(ofB.items.map((event: { ticket: { elevator: string } }) => event.ticket.elevator)).toEqual(['ELEV-B']);
  });

  it('the live feed streams new events of the key holder only, as server-sent events', async () => {
    const origin = await app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const response = await fetch(`${origin}/api/ticket-events/live`, {
      headers: { authorization: `Bearer ${keys.a}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    openTicket(store.elevators.get('ELEV-B')!);
    const ticket = openTicket(elevatorOfA);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('event: ticket.opened')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]!);
    expect(data).toMatchObject({ type: 'ticket.opened', ticket: { id: ticket.id, elevator: 'ELEV-A' } });
    expect(text).not.toContain('ELEV-B');
    expect((await app.inject({ url: '/api/ticket-events/live' })).statusCode).toBe(401);
  });

  it('the live feed ends within a second of DELETE /api/keys/:keyId; the key cannot open it again', async () => {
    const origin = await app.listen({ host: '127.0.0.1', port: 0 });
    const feed = await openFeed(origin, keys.a);
    const feedOfB = await openFeed(origin, keys.b);
    expect(feed.status).toBe(200);
    const end = ended(feed);
    const revoked = await fetch(`${origin}/api/keys/${keyIds.a}`, { method: 'DELETE', headers: admin });
    expect(revoked.status).toBe(204);
    await within(PROMPTLY_MS, end);
    expect((await openFeed(origin, keys.a)).status).toBe(401);
    // B's feed goes on: its key is still good.
    openTicket(store.elevators.get('ELEV-B')!);
    const reader = feedOfB.body!.getReader();
    let text = '';
    while (!text.includes('event: ticket.opened')) text += new TextDecoder().decode((await reader.read()).value);
  });

  it('the live feed of a rotated key ends when its grace period does', async () => {
    const graceMs = 300;
    const short = await buildTestApi(store, ADMIN, { liveFeedPollMs: LIVE_POLL_MS, keyGraceMs: graceMs });
    onTestFinished(() => short.close());
    const origin = await short.listen({ host: '127.0.0.1', port: 0 });
    const feed = await openFeed(origin, keys.a);
    const end = ended(feed);
    const rotated = await fetch(`${origin}/api/me/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.a}` },
    });
    expect(rotated.status).toBe(200);
    const newFeed = await openFeed(origin, ((await rotated.json()) as { apiKey: string }).apiKey);
    await within(graceMs + PROMPTLY_MS, end);
    expect(newFeed.status).toBe(200);
    expect((await openFeed(origin, keys.a)).status).toBe(401);
  });

  it("refuses a key's live feed over the cap with 429 LW_ERR_TOO_MANY_FEEDS; a closed one frees its place", async () => {
    const capped = await buildTestApi(store, ADMIN, { liveFeedPollMs: LIVE_POLL_MS, liveFeedsPerKey: 2 });
    onTestFinished(() => capped.close());
    const origin = await capped.listen({ host: '127.0.0.1', port: 0 });
    const first = new AbortController();
    const opened = await fetch(`${origin}/api/ticket-events/live`, {
      headers: { authorization: `Bearer ${keys.a}` },
      signal: first.signal,
    });
    expect(opened.status).toBe(200);
    expect((await openFeed(origin, keys.a)).status).toBe(200);
    const over = await openFeed(origin, keys.a);
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({
      code: 'LW_ERR_TOO_MANY_FEEDS',
      message: expect.stringMatching(/2 live/),
    });
    // A rotation gives no more: the cap is the owner's, whichever of its keys opens the feed.
    const rotated = await fetch(`${origin}/api/me/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.a}` },
    });
    expect((await openFeed(origin, ((await rotated.json()) as { apiKey: string }).apiKey)).status).toBe(429);
    expect((await openFeed(origin, keys.b)).status).toBe(200);
    first.abort();
    await expect.poll(async () => (await openFeed(origin, keys.a)).status).toBe(200);
  });

  it('a live feed that fails to open takes no place under the cap', async () => {
    const capped = await buildTestApi(store, ADMIN, { liveFeedPollMs: LIVE_POLL_MS, liveFeedsPerKey: 1 });
    onTestFinished(() => capped.close());
    const origin = await capped.listen({ host: '127.0.0.1', port: 0 });
    const { lastEventId } = store.deliveries;
    store.deliveries.lastEventId = () => {
      store.deliveries.lastEventId = lastEventId;
      throw new Error('SQLITE_BUSY: database is locked');
    };
    expect((await openFeed(origin, keys.a)).status).toBe(500);
    expect((await openFeed(origin, keys.a)).status).toBe(200);
  });

  it('failed deliveries are listed and retried by their insurer; others cannot see them', async () => {
    openTicket(elevatorOfA);
    const [delivery] = store.deliveries.list({ limit: 1 }, {}).items;
    const a = { authorization: `Bearer ${keys.a}` };
    const notYet = await app.inject({ method: 'POST', url: `/api/deliveries/${delivery!.id}/retry`, headers: a });
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json().code).toBe('LW_ERR_DELIVERY_STATE');
    store.deliveries.attemptFailed(
      delivery!.id,
      { status: 500, error: 'HTTP 500', nextAttemptAt: 0, expire: true },
      Date.now(),
    );

    const failed = (await app.inject({ url: '/api/deliveries?status=failed', headers: a })).json();
    expect(failed.items).toEqual([expect.objectContaining({ id: delivery!.id, status: 'failed', lastStatus: 500 })]);
    const b = { authorization: `Bearer ${keys.b}` };
    expect((await app.inject({ url: '/api/deliveries?status=failed', headers: b })).json().items).toEqual([]);
    expect(
      (await app.inject({ method: 'POST', url: `/api/deliveries/${delivery!.id}/retry`, headers: b })).statusCode,
    ).toBe(404);
    const retried = await app.inject({ method: 'POST', url: `/api/deliveries/${delivery!.id}/retry`, headers: a });
    expect(retried.json()).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
