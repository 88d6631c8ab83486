import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Principal, PrincipalKind } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { secretsEqual } from '../store/credentials.js';
import type { PrincipalStore, Scope } from '../store/types.js';

const BEARER = /^Bearer\s+(\S+)$/i;
const KEY_ID_BYTES = 6;
const KEY_SECRET_BYTES = 32;

export const ADMIN: Principal = { kind: 'admin', id: 'admin', name: 'admin' };

/** Who a request's key says called, and which key it was. */
export interface Caller {
  readonly principal: Principal;
  /** The stored key's id; null for the admin key, which is not stored. */
  readonly keyId: string | null;
  /** True when a rotation gave the principal a newer key: this one is in its grace period. */
  readonly replaced: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called, once a route's access check has run; null before that and on public routes. */
    principal: Principal | null;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  return BEARER.exec(request.headers.authorization ?? '')?.[1];
}

/** API keys are 256 random bits, so a plain SHA-256 is enough to store them (no password stretching needed). */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** A new key: `lw_<keyId>_<secret>`; the key id is public (lists, revocation), the whole key is shown once. */
export function newApiKey(): { keyId: string; apiKey: string; hash: string } {
  const keyId = randomBytes(KEY_ID_BYTES).toString('hex');
  const apiKey = `lw_${keyId}_${randomBytes(KEY_SECRET_BYTES).toString('base64url')}`;
  return { keyId, apiKey, hash: hashApiKey(apiKey) };
}

/** What a principal may see: an insurer its own elevators' things, a use unit its own, the others all. */
export function scopeOf(principal: Principal): Scope {
  if (principal.kind === 'insurer') return { insurer: principal.id };
  if (principal.kind === 'use-unit') return { useUnit: principal.id };
  return {};
}

/** True when the principal may see a thing that belongs to this insurer and use unit. */
export function inScope(principal: Principal, owner: { insurer: string; useUnit: string }): boolean {
  const scope = scopeOf(principal);
  return (
    (scope.insurer === undefined || scope.insurer === owner.insurer) &&
    (scope.useUnit === undefined || scope.useUnit === owner.useUnit)
  );
}

export interface Auth {
  /** An onRequest hook, so a caller is checked before its input: 401 without a valid key, 403 for a principal of another kind. */
  allow(...kinds: PrincipalKind[]): onRequestAsyncHookHandler;
  /** Who the request's key says called; undefined without a key or with one that is not valid. Looked up once a request. */
  caller(request: FastifyRequest): Caller | undefined;
  /** True while the caller's key still works (not revoked, not past its grace): for what outlives a request. */
  stillValid(caller: Caller): boolean;
}

/** Checks keys against the admin token and the stored principals' keys. */
export function createAuth({ principals, adminToken }: { principals: PrincipalStore; adminToken: string }): Auth {
  const callers = new WeakMap<FastifyRequest, Caller | null>();
  const identify = (request: FastifyRequest): Caller | null => {
    const token = bearerToken(request);
    if (token === undefined) return null;
    if (secretsEqual(token, adminToken)) return { principal: ADMIN, keyId: null, replaced: false };
    return principals.authenticate(hashApiKey(token), new Date()) ?? null;
  };
  const caller = (request: FastifyRequest): Caller | undefined => {
    let known = callers.get(request);
    if (known === undefined) callers.set(request, (known = identify(request)));
    return known ?? undefined;
  };
  return {
    caller,
    stillValid: ({ keyId }) => keyId === null || principals.keyLive(keyId, new Date()),
    allow:
      (...kinds) =>
      async (request) => {
        const found = caller(request);
        if (!found) {
          if (bearerToken(request) === undefined) throw new LiftwatchError('LW_ERR_UNAUTHORIZED');
          throw new LiftwatchError('LW_ERR_UNAUTHORIZED', 'This API key is not valid (unknown, expired or revoked)');
        }
        const { principal } = found;
        if (!kinds.includes(principal.kind)) {
          throw new LiftwatchError('LW_ERR_FORBIDDEN', `A ${principal.kind} key may not ${request.method} this`);
        }
        request.principal = principal;
      },
  };
}

/** The principal a route's access check let through. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new LiftwatchError('LW_ERR_UNAUTHORIZED');
  return request.principal;
}

/** What the rate limit and the live-feed cap count by: the principal, whichever of its keys it uses. */
export function callerKey({ principal }: Caller): string {
  return `${principal.kind}:${principal.id}`;
}
