import { describe, expect, it } from 'vitest';
import { INGEST_PRINCIPAL, RECORDER_PRINCIPAL } from '../../contract/index.js';
import { authenticate, CONNACK, type CredentialVerifier } from '../../broker/hooks/authenticate.js';
import { authorizePublish } from '../../broker/hooks/authorize-publish.js';
import { authorizeSubscribe } from '../../broker/hooks/authorize-subscribe.js';
import type { Principal } from '../../broker/hooks/principal.js';

const verifier: CredentialVerifier = {
  verifyDevice: async (id, token) => id === 'E1' && token === 'good-token',
  verifyService: (secret) => secret === 'admin-secret',
};
const connect = (clientId: string, username: string | undefined, password?: string) =>
  authenticate({ clientId, username, password: password === undefined ? undefined : Buffer.from(password) }, verifier);

const e1: Principal = { kind: 'elevator', id: 'E1' };
const ingest: Principal = { kind: 'service', name: INGEST_PRINCIPAL };

describe('authenticate', () => {
  it('accepts a registered elevator with its token and its id as client id', async () => {
    expect(await connect('E1', 'E1', 'good-token')).toEqual({ accepted: true, principal: e1 });
  });

  it.each([
    ['wrong token', 'E1', 'E1', 'bad-token', CONNACK.badUsernameOrPassword],
    ['unknown elevator', 'E2', 'E2', 'good-token', CONNACK.badUsernameOrPassword],
    ['no password', 'E1', 'E1', undefined, CONNACK.badUsernameOrPassword],
    ['no username', 'E1', undefined, 'good-token', CONNACK.badUsernameOrPassword],
    ['username outside the id alphabet', 'E/1', 'E/1', 'good-token', CONNACK.badUsernameOrPassword],
    ['client id of another elevator', 'E2', 'E1', 'good-token', CONNACK.identifierRejected],
    ['empty client id', '', 'E1', 'good-token', CONNACK.identifierRejected],
  ])('refuses %s', async (_case, clientId, username, password, returnCode) => {
    expect(await connect(clientId, username, password)).toMatchObject({ accepted: false, returnCode });
  });

  it('accepts a gateway as gateway:{id} with its token and that username as client id', async () => {
    const gateways: CredentialVerifier = {
      ...verifier,
      verifyGateway: async (id, token) => id === 'GW-1' && token === 'gw',
    };
    const viaGateway = (clientId: string, username: string, password: string) =>
      authenticate({ clientId, username, password: Buffer.from(password) }, gateways);
    expect(await viaGateway('gateway:GW-1', 'gateway:GW-1', 'gw')).toEqual({
      accepted: true,
      principal: { kind: 'gateway', id: 'GW-1' },
    });
    expect(await viaGateway('gateway:GW-1', 'gateway:GW-1', 'good-token')).toMatchObject({ returnCode: 4 });
    expect(await viaGateway('GW-1', 'gateway:GW-1', 'gw')).toMatchObject({ returnCode: 2 });
    expect(await viaGateway('gateway:', 'gateway:', 'gw')).toMatchObject({ returnCode: 4 });
    // No gateway verifier (a broker without a gateway registry): no gateway gets in.
    expect(await connect('gateway:GW-1', 'gateway:GW-1', 'gw')).toMatchObject({ accepted: false });
  });

  it("accepts liftwatch's readers (ingest, recorder) with the admin key only", async () => {
    expect(await connect(INGEST_PRINCIPAL, INGEST_PRINCIPAL, 'admin-secret')).toEqual({
      accepted: true,
      principal: ingest,
    });
    expect(await connect(RECORDER_PRINCIPAL, RECORDER_PRINCIPAL, 'admin-secret')).toEqual({
      accepted: true,
      principal: { kind: 'service', name: RECORDER_PRINCIPAL },
    });
    expect(await connect(INGEST_PRINCIPAL, INGEST_PRINCIPAL, 'good-token')).toMatchObject({ accepted: false });
    expect(await connect('other', INGEST_PRINCIPAL, 'admin-secret')).toMatchObject({
      accepted: false,
      returnCode: CONNACK.identifierRejected,
    });
  });
});

describe('authorizePublish', () => {
  const publish = (principal: Principal | undefined, topic: string, retain = false) =>
    authorizePublish(principal, { topic, retain }).allowed;

  it('lets an elevator publish each kind to its own topics', () => {
    for (const kind of ['telemetry', 'faults', 'doors', 'maintenance', 'online']) {
      expect(publish(e1, `elevators/E1/${kind}`)).toBe(true);
    }
    expect(publish(e1, 'elevators/E1/online', true)).toBe(true);
  });

  it.each([
    ["another elevator's topic", e1, 'elevators/E2/faults', false],
    ['a kind outside the contract', e1, 'elevators/E1/commands', false],
    ['$SYS', e1, '$SYS/anything', false],
    ['a retained fault', e1, 'elevators/E1/faults', true],
    ['the ingest service', ingest, 'elevators/E1/faults', false],
    ['no principal', undefined, 'elevators/E1/faults', false],
  ] as const)('denies %s', (_case, principal, topic, retain) => {
    expect(publish(principal, topic, retain)).toBe(false);
  });

  describe('for a building gateway', () => {
    const gw: Principal = { kind: 'gateway', id: 'GW-1' };
    const registry: Record<string, string | null> = { E1: 'GW-1', E2: 'GW-2', E3: null };
    const byGateway = (topic: string, retain = false, principal: Principal = gw) =>
      authorizePublish(principal, { topic, retain }, (id) => registry[id]).allowed;

    it('allows each topic of an elevator that names it, and its retained presence flag', () => {
      for (const kind of ['telemetry', 'faults', 'doors', 'maintenance', 'online']) {
        expect(byGateway(`elevators/E1/${kind}`)).toBe(true);
      }
      expect(byGateway('elevators/E1/online', true)).toBe(true);
    });

    it.each([
      ['an elevator of another gateway', 'elevators/E2/telemetry', false],
      ['an elevator with no gateway', 'elevators/E3/telemetry', false],
      ['an unregistered elevator', 'elevators/E9/telemetry', false],
      ['a retained fault', 'elevators/E1/faults', true],
      ['a topic outside the contract', 'gateways/GW-1/telemetry', false],
    ] as const)('denies %s', (_case, topic, retain) => {
      expect(byGateway(topic, retain)).toBe(false);
    });

    it('denies everything without a registry to ask, and an elevator stays within its own topics', () => {
      expect(authorizePublish(gw, { topic: 'elevators/E1/telemetry', retain: false }).allowed).toBe(false);
      expect(byGateway('elevators/E2/telemetry', false, e1)).toBe(false);
    });
  });
});

describe('authorizeSubscribe', () => {
  it('lets an elevator subscribe inside its own subtree only', () => {
    expect(authorizeSubscribe(e1, 'elevators/E1/#').allowed).toBe(true);
    expect(authorizeSubscribe(e1, 'elevators/E1/commands').allowed).toBe(true);
    for (const filter of ['#', 'elevators/#', 'elevators/+/faults', 'elevators/E2/#', '$SYS/#', 'elevators/E1']) {
      expect(authorizeSubscribe(e1, filter).allowed).toBe(false);
    }
  });

  it('lets the ingest service read every elevator topic and nothing else', () => {
    expect(authorizeSubscribe(ingest, 'elevators/+/+').allowed).toBe(true);
    expect(authorizeSubscribe(ingest, '#').allowed).toBe(false);
    expect(authorizeSubscribe(undefined, 'elevators/+/+').allowed).toBe(false);
  });
});
