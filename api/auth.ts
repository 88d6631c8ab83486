import type { FastifyRequest } from 'fastify';
import { LiftwatchError } from '../lib/errors.js';
import { secretsEqual } from '../store/credentials.js';

const BEARER = /^Bearer\s+(\S+)$/i;

export function bearerToken(request: FastifyRequest): string | undefined {
  return BEARER.exec(request.headers.authorization ?? '')?.[1];
}

/** A preHandler that lets only the admin key through. */
export function requireAdmin(adminToken: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    if (token === undefined) throw new LiftwatchError('LW_ERR_UNAUTHORIZED');
    if (!secretsEqual(token, adminToken)) throw new LiftwatchError('LW_ERR_UNAUTHORIZED', 'This API key is not valid');
  };
}
