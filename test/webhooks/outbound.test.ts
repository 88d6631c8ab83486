import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../contract/index.js';
import { newApiKey } from '../../api/auth.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { build, type WebhookOptions } from '../../webhooks/index.js';
import { outboundPolicy, type OutboundOptions, type Resolve } from '../../webhooks/outbound.js';
import { buildTestApi, LOOPBACK_ALLOW } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-outbound-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const INSURER = 'INS-PICC';
const FAST = { pollMs: 10, retryBaseMs: 10, retryMaxMs: 50 } as const;
/** A name that looks like a receiver on the internet; the tests' resolvers say where it is. */
const RECEIVER_NAME = 'hooks.insurer.test';
/** An address outside every refused range (example.com's), never connected to here. */
const PUBLIC_V4 = '93.184.215.14';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Hit {
  readonly url: string;
  readonly host: string | undefined;
}

/** A loopback HTTP server answering every request as `respond` says, recording each. */
async function receiver(respond: () => { status: number; headers?: Record<string, string> } = () => ({ status: 204 })) {
  const hits: Hit[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      hits.push({ url: request.url ?? '', host: request.headers.host });
      const answer = respond();
      response.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { hits, port: (server.address() as AddressInfo).port };
}

function openStore(): Store {
  const store = openSqliteStore(tempDir());
  cleanups.push(() => store.close());
  return store;
}

async function api(store: Store, outbound: OutboundOptions): Promise<FastifyInstance> {
  const app = await buildTestApi(store, ADMIN, { outbound });
  cleanups.push(() => app.close());
  return app;
}

function dispatcher(store: Store, options: Partial<WebhookOptions>) {
  const webhooks = build({ store, logger: pino({ level: 'silent' }), ...FAST, ...options });
  webhooks.start();
  cleanups.push(() => webhooks.stop());
  return webhooks;
}

/** Stores the insurer directly, as one registered before this check existed (or before its DNS changed). */
function insurerWith(store: Store, webhookUrl: string) {
  store.principals.create(
    { kind: 'insurer', id: INSURER, name: 'PICC', webhookUrl, webhookSecret: 'secret' },
    newApiKey(),
    new Date(),
  );
}

let elevatorCount = 0;
function openTicket(store: Store) {
  const elevator = store.elevators.register(registration(`ELEV-${++elevatorCount}`, { insurer: INSURER }), 'h');
  store.tickets.record(entrapmentTicket(elevator), new Date());
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The delivery as `GET /api/deliveries` shows it to the admin. */
async function deliveryShown(app: FastifyInstance): Promise<Delivery> {
  const response = await app.inject({ url: '/api/deliveries', headers: admin });
  expect(response.statusCode).toBe(200);
  const [delivery] = (response.json() as { items: Delivery[] }).items;
  return delivery!;
}

const resolveTo =
  (...addresses: string[]): Resolve =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

/** Each literal host form of a refused address, and what the refusal names. */
const REFUSED_URLS: ReadonlyArray<readonly [string, RegExp]> = [
  ['http://127.0.0.1:8086/query?q=DROP%20DATABASE%20liftwatch', /127\.0\.0\.1.*loopback/],
  ['http://[::1]:8086/query', /::1.*loopback/],
  ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254.*link-local/],
  ['http://10.20.30.40/hook', /10\.20\.30\.40.*private/],
  ['http://172.16.0.1/hook', /private/],
  ['http://192.168.1.1/hook', /private/],
  ['http://100.64.0.1/hook', /shared/],
  ['http://0.0.0.0:8086/', /unspecified/],
  ['http://0/', /0\.0\.0\.0.*unspecified/],
  ['http://[::]/', /unspecified/],
  ['http://2130706433/', /127\.0\.0\.1.*loopback/],
  ['http://0x7f000001/', /127\.0\.0\.1.*loopback/],
  ['http://017700000001/', /127\.0\.0\.1.*loopback/],
  ['http://127.1/', /127\.0\.0\.1.*loopback/],
  ['http://0177.0.0.1/', /127\.0\.0\.1.*loopback/],
  ['http://0x7f.1/', /127\.0\.0\.1.*loopback/],
  ['http://%31%32%37.0.0.1/', /127\.0\.0\.1.*loopback/],
  ['http://１２７.0.0.1/', /127\.0\.0\.1.*loopback/],
  ['http://[::ffff:127.0.0.1]/', /loopback/],
  ['http://[::ffff:7f00:1]/', /loopback/],
  ['http://[::ffff:a9fe:a9fe]/', /link-local/],
  ['http://[::127.0.0.1]/', /reserved/],
  ['http://[64:ff9b::7f00:1]/', /loopback/],
  ['http://[64:ff9b::a00:1]/', /private/],
  ['http://[2002:7f00:1::]/', /loopback/],
  ['http://[2002:c0a8:101::1]/', /private/],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', /reserved/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[fc00::1]/', /private/],
  ['http://[fd12:3456::1]/', /private/],
  ['http://[fec0::1]/', /reserved/],
  ['http://[ff02::1]/', /multicast/],
  ['http://224.0.0.1/', /multicast/],
  ['http://239.255.255.250:1900/', /multicast/],
  ['http://240.0.0.1/', /reserved/],
  ['http://255.255.255.255/', /reserved/],
  ['http://192.0.0.8/', /reserved/],
  ['http://198.18.0.1/', /reserved/],
  ['https://127.0.0.1:8443/', /loopback/],
];

describe('webhook URLs at registration', () => {
  it('refuses every spelling of a loopback, private, link-local, unspecified or reserved address', async () => {
    const app = await api(openStore(), { allow: [] });
    for (const [index, [webhookUrl, names]] of REFUSED_URLS.entries()) {
      const created = await app.inject({
        method: 'POST',
        url: '/api/insurers',
        headers: admin,
        payload: { id: `INS-${index}`, name: 'N', webhookUrl },
      });
      expect({ webhookUrl, status: created.statusCode }).toEqual({ webhookUrl, status: 422 });
      expect(created.json().code).toBe('LW_ERR_WEBHOOK_REFUSED');
      expect(created.json().message).toMatch(names);
      expect(created.json().message).toContain('LW_OUTBOUND_ALLOW');
    }
    const list = await app.inject({ url: '/api/insurers', headers: admin });
    expect(list.json().items).toEqual([]);
  });

  it('refuses the same on PATCH, and keeps the URL the insurer had', async () => {
    const app = await api(openStore(), { allow: [], resolve: resolveTo(PUBLIC_V4) });
    const webhookUrl = `https://${RECEIVER_NAME}/hook`;
    const created = await app.inject({
      method: 'POST',
      url: '/api/insurers',
      headers: admin,
      payload: { id: INSURER, name: 'PICC', webhookUrl },
    });
    expect(created.statusCode).toBe(201);
    for (const [refused] of REFUSED_URLS) {
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/insurers/${INSURER}`,
        headers: admin,
        payload: { webhookUrl: refused },
      });
      expect({ refused, status: patched.statusCode }).toEqual({ refused, status: 422 });
      expect(patched.json().code).toBe('LW_ERR_WEBHOOK_REFUSED');
    }
    expect((await app.inject({ url: `/api/insurers/${INSURER}`, headers: admin })).json().webhookUrl).toBe(webhookUrl);
  });

  it('refuses a name that resolves only to refused addresses, naming them; takes one with a public address', async () => {
    const app = await api(openStore(), { allow: [], resolve: resolveTo('10.0.0.5', 'fd00::5') });
    const post = (id: string, webhookUrl: string) =>
      app.inject({ method: 'POST', url: '/api/insurers', headers: admin, payload: { id, name: id, webhookUrl } });
    const refused = await post('INS-A', `http://${RECEIVER_NAME}/hook`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('LW_ERR_WEBHOOK_REFUSED');
    expect(refused.json().message).toMatch(/hooks\.insurer\.test resolves only to .*10\.0\.0\.5 \(private\).*fd00::5/);

    const mixed = await api(openStore(), { allow: [], resolve: resolveTo('10.0.0.5', PUBLIC_V4) });
    const accepted = await mixed.inject({
      method: 'POST',
      url: '/api/insurers',
      headers: admin,
      payload: { id: 'INS-B', name: 'B', webhookUrl: `http://${RECEIVER_NAME}/hook` },
    });
    expect(accepted.statusCode).toBe(201);
  });

  it('refuses localhost as the system resolves it', async () => {
    const app = await api(openStore(), { allow: [] });
    const created = await app.inject({
      method: 'POST',
      url: '/api/insurers',
      headers: admin,
      payload: { id: INSURER, name: 'PICC', webhookUrl: 'http://localhost:8086/query' },
    });
    expect(created.statusCode).toBe(422);
    expect(created.json().message).toMatch(/localhost resolves only to .*loopback/);
  });

  it('takes what LW_OUTBOUND_ALLOW covers, and nothing more', async () => {
    const app = await api(openStore(), { allow: LOOPBACK_ALLOW });
    const post = (id: string, webhookUrl: string) =>
      app.inject({ method: 'POST', url: '/api/insurers', headers: admin, payload: { id, name: id, webhookUrl } });
    expect((await post('INS-A', 'http://127.0.0.1:9/hook')).statusCode).toBe(201);
    expect((await post('INS-B', 'http://[::1]:9/hook')).statusCode).toBe(201);
    expect((await post('INS-C', 'http://[::ffff:127.0.0.1]:9/hook')).statusCode).toBe(201);
    expect((await post('INS-D', 'http://10.0.0.1/hook')).statusCode).toBe(422);
    expect((await post('INS-E', 'http://169.254.169.254/')).statusCode).toBe(422);
  });

  it('refuses other schemes and credentials in the URL', async () => {
    const app = await api(openStore(), { allow: [], resolve: resolveTo(PUBLIC_V4) });
    for (const webhookUrl of [
      'file:///etc/passwd',
      'gopher://hooks.insurer.test:6379/_FLUSHALL',
      'ftp://hooks.insurer.test/',
      'ws://hooks.insurer.test/',
      'javascript:alert(1)',
      'data:text/plain,x',
      'http://user:secret@hooks.insurer.test/hook',
      'https://token@hooks.insurer.test/hook',
    ]) {
      const created = await app.inject({
        method: 'POST',
        url: '/api/insurers',
        headers: admin,
        payload: { id: INSURER, name: 'PICC', webhookUrl },
      });
      expect({ webhookUrl, status: created.statusCode }).toEqual({ webhookUrl, status: 400 });
      expect(created.json().message).toContain('webhookUrl');
    }
  });
});

describe('the address policy', () => {
  it('takes a URL whose name does not resolve within the lookup timeout: each delivery checks it again', async () => {
    const never: Resolve = () => new Promise(() => undefined);
    const policy = outboundPolicy({ allow: [], resolve: never, lookupTimeoutMs: 50 });
    await expect(policy.checkUrl('https://slow.example/hook')).resolves.toBeUndefined();
  });

  it('passes public addresses, including public IPv4 inside IPv6 forms', () => {
    const policy = outboundPolicy({ allow: [] });
    for (const address of [PUBLIC_V4, '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect({ address, refusal: policy.refusal(address) }).toEqual({ address, refusal: null });
    }
  });
});

describe('webhook delivery checks the address it connects to', () => {
  it('refuses at delivery a stored URL whose name resolves to loopback; GET /api/deliveries says why', async () => {
    const target = await receiver();
    const store = openStore();
    insurerWith(store, `http://localhost:${target.port}/hook`);
    openTicket(store);
    dispatcher(store, { outbound: { allow: [] } });
    await until(() => (store.deliveries.list({ limit: 1 }, {}).items[0]?.attempts ?? 0) >= 2);
    expect(target.hits).toEqual([]);
    const shown = await deliveryShown(await api(store, { allow: [] }));
    expect(shown).toMatchObject({ status: 'pending', lastStatus: null });
    expect(shown.lastError).toMatch(/LW_ERR_WEBHOOK_REFUSED: localhost resolves only to .*127\.0\.0\.1 \(loopback\)/);
  });

  it('refuses at delivery a stored literal address, in any spelling', async () => {
    const target = await receiver();
    const store = openStore();
    insurerWith(store, `http://2130706433:${target.port}/hook`);
    openTicket(store);
    dispatcher(store, { outbound: { allow: ['10.0.0.0/8'] } });
    await until(() => (store.deliveries.list({ limit: 1 }, {}).items[0]?.attempts ?? 0) >= 2);
    expect(target.hits).toEqual([]);
    expect(store.deliveries.list({ limit: 1 }, {}).items[0]?.lastError).toMatch(/127\.0\.0\.1 is loopback/);
  });

  it('delivers to loopback when LW_OUTBOUND_ALLOW covers it', async () => {
    const target = await receiver();
    const store = openStore();
    insurerWith(store, `http://localhost:${target.port}/hook`);
    openTicket(store);
    dispatcher(store, { outbound: { allow: LOOPBACK_ALLOW } });
    await until(() => store.deliveries.countByStatus().delivered === 1);
    expect(target.hits).toHaveLength(1);
  });

  it('rebinding: a name public at registration and loopback at delivery is refused at delivery', async () => {
    const target = await receiver();
    const store = openStore();
    let answer = PUBLIC_V4;
    const resolve: Resolve = async () => [{ address: answer, family: 4 }];
    const app = await api(store, { allow: [], resolve });
    const created = await app.inject({
      method: 'POST',
      url: '/api/insurers',
      headers: admin,
      payload: { id: INSURER, name: 'PICC', webhookUrl: `http://${RECEIVER_NAME}:${target.port}/hook` },
    });
    expect(created.statusCode).toBe(201);
    answer = '127.0.0.1';
    openTicket(store);
    dispatcher(store, { outbound: { allow: [], resolve } });
    await until(() => (store.deliveries.list({ limit: 1 }, {}).items[0]?.attempts ?? 0) >= 2);
    expect(target.hits).toEqual([]);
    expect((await deliveryShown(app)).lastError).toMatch(
      /LW_ERR_WEBHOOK_REFUSED: hooks\.insurer\.test resolves only to .*127\.0\.0\.1 \(loopback\)/,
    );
  });

  it('connects to the address it resolved and checked, with the name in the Host header', async () => {
    const target = await receiver();
    const store = openStore();
    insurerWith(store, `http://${RECEIVER_NAME}:${target.port}/hook?insurer=picc`);
    openTicket(store);
    // The resolver answers loopback, allowed here: only this lookup can have found the receiver.
    dispatcher(store, { outbound: { allow: LOOPBACK_ALLOW, resolve: resolveTo('10.9.9.9', '127.0.0.1') } });
    await until(() => store.deliveries.countByStatus().delivered === 1);
    expect(target.hits).toEqual([{ url: '/hook?insurer=picc', host: `${RECEIVER_NAME}:${target.port}` }]);
  });

  it('gives up on a receiver that does not answer within the timeout, and says so', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => silent.close(() => resolve())));
    silent.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
    const store = openStore();
    insurerWith(store, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`);
    openTicket(store);
    dispatcher(store, { outbound: { allow: LOOPBACK_ALLOW }, timeoutMs: 100 });
    await until(() => (store.deliveries.list({ limit: 1 }, {}).items[0]?.attempts ?? 0) >= 1);
    expect(store.deliveries.list({ limit: 1 }, {}).items[0]?.lastError).toMatch(/^TimeoutError: .*timeout/);
  });

  it('follows no redirect: a 302 to an internal address is a failed attempt, the target gets nothing', async () => {
    const internal = await receiver();
    const redirecting = await receiver(() => ({
      status: 302,
      headers: { location: `http://127.0.0.1:${internal.port}/query?q=DROP%20DATABASE%20liftwatch` },
    }));
    const store = openStore();
    insurerWith(store, `http://127.0.0.1:${redirecting.port}/hook`);
    openTicket(store);
    dispatcher(store, { outbound: { allow: LOOPBACK_ALLOW } });
    await until(() => redirecting.hits.length >= 2);
    expect(internal.hits).toEqual([]);
    const [delivery] = store.deliveries.list({ limit: 1 }, {}).items;
    expect(delivery).toMatchObject({ status: 'pending', lastStatus: 302 });
    expect(delivery?.lastError).toMatch(/HTTP 302.*redirect/);
  });
});
