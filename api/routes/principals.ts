import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiKeySchema,
  createdInsurerSchema,
  createdPrincipalSchema,
  insurerInputSchema,
  insurerSchema,
  insurerUpdateSchema,
  KEYED_KINDS,
  keyRotationSchema,
  listQuerySchema,
  namedPrincipalInputSchema,
  principalSchema,
  rotatedKeySchema,
  rotatedWebhookSecretSchema,
  type KeyedKind,
  type NamedPrincipalInput,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import type { OutboundPolicy } from '../../webhooks/outbound.js';
import { newApiKey, principalOf, type Auth } from '../auth.js';

export interface PrincipalRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  /** How long a replaced key keeps working after a rotation, so callers can switch without an outage. */
  readonly keyGraceMs: number;
  /** Refuses webhook URLs that point at loopback, private or reserved addresses (LW_ERR_WEBHOOK_REFUSED). */
  readonly webhookTargets: OutboundPolicy;
}

const WEBHOOK_SECRET_BYTES = 32;
const newWebhookSecret = () => randomBytes(WEBHOOK_SECRET_BYTES).toString('base64url');
const idParams = z.object({ id: z.string() });

/**
 * Insurers, regulators and use units, each created by the admin with a key shown once; key
 * rotation (by the admin, or by a principal for itself with its newest key) and revocation; an
 * insurer's webhook secret rotation (by the admin, or by the insurer with its newest key); `GET /api/me`.
 */
export const principalRoutes: FastifyPluginAsyncZod<PrincipalRouteOptions> = async (
  app,
  { store, auth, keyGraceMs, webhookTargets },
) => {
  const adminOnly = auth.allow('admin');
  const { principals } = store;

  app.get(
    '/api/me',
    {
      onRequest: auth.allow('admin', 'regulator', 'insurer', 'use-unit'),
      schema: { response: { 200: principalSchema } },
    },
    async (request) => principalOf(request),
  );

  app.post(
    '/api/insurers',
    { onRequest: adminOnly, schema: { body: insurerInputSchema, response: { 201: createdInsurerSchema } } },
    async (request, reply) => {
      if (request.body.webhookUrl) await webhookTargets.checkUrl(request.body.webhookUrl);
      const key = newApiKey();
      const webhookSecret = newWebhookSecret();
      principals.create({ kind: 'insurer', ...request.body, webhookSecret }, key, new Date());
      const insurer = principals.insurer(request.body.id);
      return reply.status(201).send({ ...insurer!, keyId: key.keyId, apiKey: key.apiKey, webhookSecret });
    },
  );

  app.get(
    '/api/insurers',
    {
      onRequest: auth.allow('admin', 'regulator'),
      schema: {
        querystring: listQuerySchema,
        response: { 200: z.object({ items: z.array(insurerSchema), next: z.string().nullable() }) },
      },
    },
    async (request) => principals.insurers(request.query),
  );

  app.get(
    '/api/insurers/:id',
    {
      onRequest: auth.allow('admin', 'regulator', 'insurer'),
      schema: { params: idParams, response: { 200: insurerSchema } },
    },
    async (request) => {
      const principal = principalOf(request);
      const insurer = principals.insurer(request.params.id);
      if (!insurer || (principal.kind === 'insurer' && principal.id !== insurer.id)) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No insurer ${request.params.id}`);
      }
      return insurer;
    },
  );

  app.patch(
    '/api/insurers/:id',
    { onRequest: adminOnly, schema: { params: idParams, body: insurerUpdateSchema, response: { 200: insurerSchema } } },
    async (request) => {
      if (request.body.webhookUrl) await webhookTargets.checkUrl(request.body.webhookUrl);
      const insurer = principals.updateInsurer(request.params.id, request.body);
      if (!insurer) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No insurer ${request.params.id}`);
      return insurer;
    },
  );

  const createNamed = (kind: Exclude<KeyedKind, 'insurer'>) => async (body: NamedPrincipalInput) => {
    const key = newApiKey();
    const principal = principals.create({ kind, ...body }, key, new Date());
    return { ...principal, keyId: key.keyId, apiKey: key.apiKey };
  };
  for (const [path, kind] of [
    ['/api/regulators', 'regulator'],
    ['/api/use-units', 'use-unit'],
  ] as const) {
    app.post(
      path,
      { onRequest: adminOnly, schema: { body: namedPrincipalInputSchema, response: { 201: createdPrincipalSchema } } },
      async (request, reply) => reply.status(201).send(await createNamed(kind)(request.body)),
    );
  }

  /** What a key in its grace period may not do: mint what outlives it (a key, a webhook secret). */
  const keyReplaced = (keyId: string | undefined) =>
    new LiftwatchError(
      'LW_ERR_KEY_REPLACED',
      `Key ${keyId} was replaced by a newer one and works only until its grace period ends: rotate with the newest key`,
    );

  /** `replacing`: the key of a principal rotating its own, which must be its newest (LW_ERR_KEY_REPLACED). */
  const rotate = (kind: KeyedKind, id: string, replacing?: string) => {
    const key = newApiKey();
    const now = new Date();
    const previousKeysExpireAt = new Date(now.getTime() + keyGraceMs);
    const outcome = principals.addKey(kind, id, key, now, previousKeysExpireAt, replacing);
    if (outcome === 'no-principal') throw new LiftwatchError('LW_ERR_NOT_FOUND', `No ${kind} ${id}`);
    if (outcome === 'replaced') throw keyReplaced(replacing);
    return { keyId: key.keyId, apiKey: key.apiKey, previousKeysExpireAt: previousKeysExpireAt.toISOString() };
  };

  app.post(
    '/api/keys/rotate',
    { onRequest: adminOnly, schema: { body: keyRotationSchema, response: { 200: rotatedKeySchema } } },
    async (request) => rotate(request.body.kind, request.body.id),
  );

  app.post(
    '/api/me/keys/rotate',
    { onRequest: auth.allow('regulator', 'insurer', 'use-unit'), schema: { response: { 200: rotatedKeySchema } } },
    async (request) => {
      const principal = principalOf(request);
      return rotate(principal.kind as KeyedKind, principal.id, auth.caller(request)?.keyId ?? undefined);
    },
  );

  const rotateWebhookSecret = (insurer: string) => {
    const webhookSecret = newWebhookSecret();
    const previousSecretExpiresAt = new Date(Date.now() + keyGraceMs);
    if (!principals.rotateWebhookSecret(insurer, webhookSecret, previousSecretExpiresAt)) {
      throw new LiftwatchError('LW_ERR_NOT_FOUND', `No insurer ${insurer}`);
    }
    return { webhookSecret, previousSecretExpiresAt: previousSecretExpiresAt.toISOString() };
  };

  app.post(
    '/api/insurers/:id/webhook-secret/rotate',
    { onRequest: adminOnly, schema: { params: idParams, response: { 200: rotatedWebhookSecretSchema } } },
    async (request) => rotateWebhookSecret(request.params.id),
  );

  app.post(
    '/api/me/webhook-secret/rotate',
    { onRequest: auth.allow('insurer'), schema: { response: { 200: rotatedWebhookSecretSchema } } },
    async (request) => {
      const caller = auth.caller(request);
      if (caller?.replaced) throw keyReplaced(caller.keyId ?? undefined);
      return rotateWebhookSecret(principalOf(request).id);
    },
  );

  app.get(
    '/api/keys',
    {
      onRequest: adminOnly,
      schema: {
        querystring: z.object({ kind: z.enum(KEYED_KINDS).optional(), id: z.string().optional() }),
        response: { 200: z.object({ items: z.array(apiKeySchema) }) },
      },
    },
    async (request) => ({ items: principals.keys(request.query) }),
  );

  app.delete(
    '/api/keys/:keyId',
    { onRequest: adminOnly, schema: { params: z.object({ keyId: z.string() }) } },
    async (request, reply) => {
      if (!principals.revokeKey(request.params.keyId, new Date())) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No key ${request.params.keyId}`);
      }
      return reply.status(204).send();
    },
  );
};
