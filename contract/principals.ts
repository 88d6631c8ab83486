import { z } from 'zod';
import { registryLabel } from './api.js';

/**
 * Who calls the API. The admin provisions; an insurer works the tickets of the elevators it
 * insures; a regulator reads everything and changes nothing; a use unit reads its own.
 */
export const PRINCIPAL_KINDS = ['admin', 'insurer', 'regulator', 'use-unit'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** The kinds an admin creates keys for (the admin key itself comes from the environment or the data directory). */
export const KEYED_KINDS = ['insurer', 'regulator', 'use-unit'] as const;
export type KeyedKind = (typeof KEYED_KINDS)[number];

export const principalSchema = z.object({
  kind: z.enum(PRINCIPAL_KINDS),
  /** The insurer or use unit label as in the elevator registry; the regulator's own id; `admin`. */
  id: z.string(),
  name: z.string(),
});
export type Principal = z.infer<typeof principalSchema>;

/**
 * An absolute http(s) URL, the only kind of address a webhook may have; without credentials,
 * which would show in every listing of insurers (the receiver checks the signature instead).
 * Where it points is checked when it is set and at each delivery (webhooks/outbound.ts).
 */
const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .max(2048)
  .refine((url) => {
    const { username, password } = new URL(url);
    return username === '' && password === '';
  }, 'a URL without a user name or password: receivers check the signature')
  .describe('Ticket events are POSTed here, signed with the webhook secret');

export const insurerInputSchema = z.object({
  id: registryLabel.describe('As in the elevator registry'),
  name: registryLabel,
  webhookUrl: webhookUrlSchema.optional(),
});
export type InsurerInput = z.infer<typeof insurerInputSchema>;

export const insurerUpdateSchema = z.object({
  name: registryLabel.optional(),
  webhookUrl: webhookUrlSchema.nullable().optional().describe('null stops webhook delivery'),
});
export type InsurerUpdate = z.infer<typeof insurerUpdateSchema>;

export const insurerSchema = z.object({
  id: z.string(),
  name: z.string(),
  webhookUrl: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Insurer = z.infer<typeof insurerSchema>;

/** `POST /api/regulators` and `POST /api/use-units`. */
export const namedPrincipalInputSchema = z.object({ id: registryLabel, name: registryLabel });
export type NamedPrincipalInput = z.infer<typeof namedPrincipalInputSchema>;

export const apiKeySchema = z.object({
  keyId: z.string().describe('The public part of the key, for listing and revoking'),
  kind: z.enum(KEYED_KINDS),
  principal: z.string(),
  createdAt: z.iso.datetime(),
  /** Set when a newer key replaced this one: valid until then (the grace period). */
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const issuedKeySchema = z.object({
  keyId: z.string(),
  apiKey: z.string().describe('Send as Authorization: Bearer <apiKey>. Shown once.'),
});
export type IssuedKey = z.infer<typeof issuedKeySchema>;

export const createdInsurerSchema = insurerSchema.extend({
  ...issuedKeySchema.shape,
  webhookSecret: z.string().describe('Signs webhook deliveries (HMAC-SHA256). Shown once.'),
});

export const createdPrincipalSchema = principalSchema.extend(issuedKeySchema.shape);

export const keyRotationSchema = z.object({
  kind: z.enum(KEYED_KINDS),
  id: z.string(),
});

export const rotatedKeySchema = issuedKeySchema.extend({
  /** The keys this one replaces stay valid until then. */
  previousKeysExpireAt: z.iso.datetime(),
});

/** `POST /api/insurers/:id/webhook-secret/rotate` and `POST /api/me/webhook-secret/rotate`. */
export const rotatedWebhookSecretSchema = z.object({
  webhookSecret: createdInsurerSchema.shape.webhookSecret,
  /** Deliveries carry a signature with the secret this one replaces too, until then. */
  previousSecretExpiresAt: z.iso.datetime(),
});
