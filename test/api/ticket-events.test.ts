import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Elevator } from '../../contract/index.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-ticket-events-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const LIVE_POLL_MS = 20;
let store: Store;
let app: FastifyInstance;
const keys = { a: '', b: '' };
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
  }
  elevatorOfA = store.elevators.register(registration('ELEV-A', { insurer: 'INS-A' }), 'h');
  store.elevators.register(registration('ELEV-B', { insurer: 'INS-B' }), 'h');
});
afterEach(async () => {
  await app.close();
  store.close();
});

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
