import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LiftwatchError } from '../lib/errors.js';

/** Where the console lives; its page asks for its files by absolute path under it. */
export const CONSOLE_PATH = '/console';
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const INDEX = 'index.html';
/** The Grafana dashboards' figures, drawn from `GET /api/dashboards/:uid` (dashboards.js). */
const DASHBOARDS = 'dashboards.html';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page holds an API key: it may run only its own scripts and talk only to this origin, so
 * text that slipped into a ticket can never become a script that reads the key.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Revalidate every time (a 304 is cheap), so a new release is seen at the next load.
  'cache-control': 'no-cache',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The few files of console/public/, read once: they are small and change only with a release. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(PUBLIC_DIR)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type === undefined) continue;
    const body = fs.readFileSync(path.join(PUBLIC_DIR, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url')}"` });
  }
  return assets;
}

/** The web console at /console: static HTML, CSS and JS modules; no key needed for them, the page asks for one. */
export const consoleRoutes: FastifyPluginAsync = async (app) => {
  const assets = loadAssets();
  const send = (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get(name);
    if (!asset) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No console file ${name}`);
    reply.headers(SECURITY_HEADERS).header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };
  const hidden = { schema: { hide: true } };
  app.get(CONSOLE_PATH, hidden, (request, reply) => send(INDEX, request, reply));
  app.get(`${CONSOLE_PATH}/`, hidden, (request, reply) => send(INDEX, request, reply));
  app.get(`${CONSOLE_PATH}/dashboards`, hidden, (request, reply) => send(DASHBOARDS, request, reply));
  app.get<{ Params: { file: string } }>(`${CONSOLE_PATH}/:file`, hidden, (request, reply) =>
    send(request.params.file, request, reply),
  );
};
