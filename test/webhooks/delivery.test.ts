import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookBody } from '../../contract/index.js';
import { newApiKey } from '../../api/auth.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { build, type WebhookDispatcher, type WebhookOptions } from '../../webhooks/index.js';
import { verify } from '../../webhooks/signature.js';
import { LOOPBACK_ALLOW } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir } from '../helpers/fixtures.js';

const SECRET = 'the-insurers-webhook-secret';
const INSURER = 'INS-PICC';
const FAST = { pollMs: 10, retryBaseMs: 10, retryMaxMs: 200 } as const;
/** The receivers below listen on loopback. */
const TO_LOOPBACK = { outbound: { allow: LOOPBACK_ALLOW } };
const AN_HOUR_MS = 3_600_000;
const SETTLE_MS = 100;

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
  readonly body: WebhookBody;
  readonly accepted: boolean;
  readonly at: number;
}

/** An insurer's endpoint on loopback: answers each POST as `respond` says and records it. */
async function receiver(respond: (count: number) => { status: number; headers?: Record<string, string> }) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const answer = respond(received.length + 1);
      received.push({
        headers: request.headers,
        raw,
        body: JSON.parse(raw) as WebhookBody,
        accepted: answer.status < 300,
        at: Date.now(),
      });
      response.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/liftwatch`;
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { received, url, accepted: () => received.filter((entry) => entry.accepted) };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openStore(dir = tempDir()): Store {
  const store = openSqliteStore(dir);
  cleanups.push(() => store.close());
  return store;
}

function insurerWith(store: Store, webhookUrl: string | null) {
  store.principals.create(
    { kind: 'insurer', id: INSURER, name: 'PICC', webhookUrl, webhookSecret: SECRET },
    newApiKey(),
    new Date(),
  );
}

function dispatcher(store: Store, options: Partial<WebhookOptions> = {}): WebhookDispatcher {
  const webhooks = build({ store, logger: pino({ level: 'silent' }), ...FAST, ...TO_LOOPBACK, ...options });
  webhooks.start();
  cleanups.push(() => webhooks.stop());
  return webhooks;
}

let elevatorCount = 0;
/** Opens a ticket on a new elevator of the insurer: one `ticket.opened` event. */
function openTicket(store: Store, rule = 'critical-entrapment', deadlineAt: number | null = null) {
  const elevator = store.elevators.register(registration(`ELEV-${++elevatorCount}`, { insurer: INSURER }), 'h');
  return store.tickets.record(entrapmentTicket(elevator, { rule, deadlineAt }), new Date()).ticket;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('webhook delivery', () => {
  it('signs with the documented recipe; one changed byte fails it', async () => {
    const endpoint = await receiver(() => ({ status: 204 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    openTicket(store);
    dispatcher(store);
    await until(() => endpoint.received.length === 1);
    const [{ headers, raw, body }] = endpoint.received as [Received];
    // The recipe of docs/webhooks.md, written out here rather than calling liftwatch's own code.
    const timestamp = String(headers['x-liftwatch-timestamp']);
    const expected = (payload: string) =>
      `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${payload}`).digest('hex')}`;
    expect(headers['x-liftwatch-signature']).toBe(expected(raw));
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
    const tampered = raw.replace('"critical"', '"Critical"');
    expect(tampered).not.toBe(raw);
    expect(headers['x-liftwatch-signature']).not.toBe(expected(tampered));
    expect(headers['x-liftwatch-delivery']).toBe(body.deliveryId);
    expect(headers['x-liftwatch-event']).toBe('ticket.opened');
    expect(body.event).toMatchObject({ type: 'ticket.opened', ticket: { insurer: INSURER, status: 'open' } });
  });

  it('signs with both secrets while a rotated one is in its grace, then with the new one only', async () => {
    const endpoint = await receiver(() => ({ status: 204 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    const NEW_SECRET = 'the-insurers-new-webhook-secret';
    const graceEnds = new Date(Date.now() + SETTLE_MS * 5);
    expect(store.principals.rotateWebhookSecret(INSURER, NEW_SECRET, graceEnds)).toBe(true);
    dispatcher(store);
    const signatures = (entry: Received) => String(entry.headers['x-liftwatch-signature']).split(',');
    const signed = (secret: string, entry: Received) =>
      `v1=${createHmac('sha256', secret).update(`${entry.headers['x-liftwatch-timestamp']}.${entry.raw}`).digest('hex')}`;
    openTicket(store);
    await until(() => endpoint.received.length === 1);
    const during = endpoint.received[0] as Received;
    expect(signatures(during)).toEqual([signed(NEW_SECRET, during), signed(SECRET, during)]);
    const received = {
      timestamp: String(during.headers['x-liftwatch-timestamp']),
      body: during.raw,
      signature: String(during.headers['x-liftwatch-signature']),
    };
    expect([verify(NEW_SECRET, received), verify(SECRET, received), verify('another-secret', received)]).toEqual([
      true,
      true,
      false,
    ]);

    await new Promise((resolve) => setTimeout(resolve, graceEnds.getTime() - Date.now() + 1));
    openTicket(store);
    await until(() => endpoint.received.length === 2);
    const after = endpoint.received[1] as Received;
    expect(signatures(after)).toEqual([signed(NEW_SECRET, after)]);
  });

  it('delivers a ticket opened through the same store at once, not at the next poll', async () => {
    const endpoint = await receiver(() => ({ status: 204 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    const webhooks = dispatcher(store, { pollMs: AN_HOUR_MS });
    cleanups.push(store.tickets.onEvents(() => webhooks.wake()));
    // The first round, at start, finds nothing; the next poll would be an hour away.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    openTicket(store);
    // Within until()'s few seconds: only the wake can have started that round.
    await until(() => endpoint.received.length === 1);
    expect(endpoint.received[0]?.body.event.type).toBe('ticket.opened');
  });

  it('runs rounds one after another: two asked for at once send a delivery once', async () => {
    const endpoint = await receiver(() => ({ status: 204 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    openTicket(store);
    const webhooks = build({ store, logger: pino({ level: 'silent' }), ...FAST, ...TO_LOOPBACK });
    expect(await Promise.all([webhooks.round(), webhooks.round()])).toEqual([1, 0]);
    expect(endpoint.received).toHaveLength(1);
  });

  it('a receiver failing five times, then succeeding, gets the delivery once, always with the same id', async () => {
    const endpoint = await receiver((count) => ({ status: count <= 5 ? 500 : 200 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    openTicket(store);
    dispatcher(store);
    await until(() => store.deliveries.countByStatus().delivered === 1);
    expect(endpoint.received).toHaveLength(6);
    expect(endpoint.accepted()).toHaveLength(1);
    expect(new Set(endpoint.received.map((entry) => entry.headers['x-liftwatch-delivery'])).size).toBe(1);
    const [delivery] = store.deliveries.list({ limit: 10 }, {}).items;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 6, lastStatus: 200 });
  });

  it('honours Retry-After in seconds', async () => {
    const endpoint = await receiver((count) =>
      count === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    const store = openStore();
    insurerWith(store, endpoint.url);
    openTicket(store);
    dispatcher(store, { retryMaxMs: 5000 });
    await until(() => endpoint.accepted().length === 1);
    const [first, second] = endpoint.received as [Received, Received];
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it('keeps the order of each ticket while the insurer is down, and delivers everything when it returns', async () => {
    let down = true;
    const endpoint = await receiver(() => ({ status: down ? 502 : 200 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    dispatcher(store);
    const tickets = [openTicket(store), openTicket(store), openTicket(store)];
    for (const ticket of tickets) {
      store.tickets.transition(ticket.id, 'ack', 'insurer:INS-PICC', null, new Date());
      store.tickets.transition(ticket.id, 'dispatch', 'insurer:INS-PICC', 'technician on the way', new Date());
    }
    await until(() => endpoint.received.length >= 10);
    down = false;
    await until(() => endpoint.accepted().length === 9);
    for (const ticket of tickets) {
      const types = endpoint
        .accepted()
        .filter((entry) => entry.body.event.ticket.id === ticket.id)
        .map((entry) => entry.body.event.type);
      expect(types).toEqual(['ticket.opened', 'ticket.acknowledged', 'ticket.dispatched']);
    }
    // Never did a later event of a ticket reach the receiver before an earlier one was accepted.
    for (const ticket of tickets) {
      const attempts = endpoint.received.filter((entry) => entry.body.event.ticket.id === ticket.id);
      const ids = attempts.map((entry) => entry.body.event.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('holds what is queued while the insurer has no webhook URL, and sends it to the URL set again', async () => {
    const old = await receiver(() => ({ status: 502 }));
    const store = openStore();
    insurerWith(store, old.url);
    dispatcher(store);
    openTicket(store);
    await until(() => old.received.length >= 1);
    store.principals.updateInsurer(INSURER, { webhookUrl: null });
    const seenByOld = old.received.length;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    expect(old.received.length).toBeLessThanOrEqual(seenByOld + 1);
    const settled = old.received.length;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 2));
    expect(old.received).toHaveLength(settled);
    expect(store.deliveries.countByStatus()).toEqual({ pending: 1 });

    const current = await receiver(() => ({ status: 204 }));
    store.principals.updateInsurer(INSURER, { webhookUrl: current.url });
    await until(() => current.accepted().length === 1);
    expect(current.accepted()[0]?.body.event.type).toBe('ticket.opened');
  });

  it('a restart with deliveries pending still delivers them', async () => {
    const dir = tempDir();
    const first = openSqliteStore(dir);
    const endpoint = await receiver(() => ({ status: 200 }));
    insurerWith(first, endpoint.url);
    openTicket(first);
    openTicket(first);
    first.close(); // liftwatch stopped before any delivery went out

    const store = openStore(dir);
    dispatcher(store);
    await until(() => store.deliveries.countByStatus().delivered === 2);
    expect(endpoint.accepted()).toHaveLength(2);
    expect(store.deliveries.countByStatus()).toEqual({ delivered: 2 });
  });

  it('expires a delivery after the configured time, keeps it as failed, and a retry by hand delivers it', async () => {
    let up = false;
    const endpoint = await receiver(() => ({ status: up ? 200 : 500 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    openTicket(store);
    dispatcher(store, { expireAfterMs: 150 });
    await until(() => store.deliveries.countByStatus().failed === 1);
    const [failed] = store.deliveries.list({ status: 'failed', limit: 10 }, {}).items;
    expect(failed).toMatchObject({ lastStatus: 500, lastError: 'HTTP 500' });
    up = true;
    expect(store.deliveries.retry(failed!.id, { insurer: INSURER }, Date.now())?.status).toBe('pending');
    await until(() => store.deliveries.countByStatus().delivered === 1);
    expect(endpoint.accepted()[0]?.body.deliveryId).toBe(failed!.id);
    expect(() => store.deliveries.retry(failed!.id, {}, Date.now())).toThrow(/delivered, not failed/);
  });

  it('announces a deadline coming near once, and nothing for insurers without a webhook URL', async () => {
    const endpoint = await receiver(() => ({ status: 200 }));
    const store = openStore();
    insurerWith(store, endpoint.url);
    const ticket = openTicket(store, 'critical-entrapment', Date.now() + 5 * 60_000);
    const webhooks = dispatcher(store);
    await until(() => endpoint.accepted().length === 2);
    await webhooks.round();
    expect(endpoint.accepted().map((entry) => entry.body.event.type)).toEqual([
      'ticket.opened',
      'ticket.deadline_near',
    ]);
    expect(endpoint.accepted()[1]?.body.event.ticket.id).toBe(ticket.id);

    store.principals.updateInsurer(INSURER, { webhookUrl: null });
    openTicket(store);
    await webhooks.round();
    expect(store.deliveries.countByStatus()).toEqual({ delivered: 2 });
    expect(store.deliveries.events({ after: 0, limit: 10 }, { insurer: INSURER }).items).toHaveLength(3);
  });
});
