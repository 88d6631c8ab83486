import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** Caches may keep a copy but must revalidate it each time: answers depend on the key that asked. */
const CACHE_CONTROL = 'private, no-cache';
const WEAK_PREFIX = 'W/';

/** If-None-Match holds a list of tags or `*`; GET compares them weakly (RFC 9110, 13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = etag.slice(WEAK_PREFIX.length);
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || (tag.startsWith(WEAK_PREFIX) ? tag.slice(WEAK_PREFIX.length) : tag) === opaque);
}

/**
 * Conditional GET for JSON: a weak ETag from the body's SHA-256, and 304 with no body when the
 * client already has it. Weak: it promises equal content, not equal bytes (a proxy may compress).
 */
export function installConditionalGet(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (request.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    if (!type.startsWith('application/json')) return payload;
    const etag = `${WEAK_PREFIX}"${createHash('sha256').update(payload).digest('base64url')}"`;
    reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
    if (!matches(request.headers['if-none-match'], etag)) return payload;
    reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return null;
  });
}
