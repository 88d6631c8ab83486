import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-openapi-test';
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
});
afterAll(async () => {
  await app.close();
  store.close();
});

describe('OpenAPI', () => {
  it('serves the document at /docs/json without a key, generated from the zod schemas', async () => {
    const response = await app.inject({ url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'liftwatch', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.security).toEqual([{ bearer: [] }]);

    expect(doc.paths['/api/tickets'].get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', name: 'severity' }),
        expect.objectContaining({ in: 'query', name: 'status' }),
      ]),
    );
    const elevator = doc.paths['/api/elevators/{id}'].get;
    expect(elevator.parameters).toEqual([
      {
        in: 'path',
        name: 'id',
        required: true,
        schema: { type: 'string', pattern: expect.stringContaining('{1,32}') },
      },
    ]);
    expect(elevator.responses['200'].content['application/json'].schema.properties).toHaveProperty('district');
  });

  it('marks health and metrics as needing no key, and leaves its own routes out', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    // Health takes a key too: the admin's shows the details.
    expect(doc.paths['/api/health'].get.security).toEqual([{}, { bearer: [] }]);
    expect(doc.paths['/metrics'].get.security).toEqual([]);
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/docs'))).toEqual([]);
  });

  it('serves Swagger UI as HTML at /docs, with its assets', async () => {
    const page = await app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const script = /<script src="(\/docs\/static\/swagger-ui-bundle\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await app.inject({ url: script as string });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('answers a path out of /docs/static/ (every spelling) with a 4xx in our error body, logging no error', async () => {
    const logged: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const served = await buildTestApi(store, ADMIN, { logger });
    onTestFinished(() => served.close());
    const origin = new URL(await served.listen({ host: '127.0.0.1', port: 0 }));
    // Raw paths, sent as written: fetch and inject would tidy the dots away.
    const get = (path: string, headers: http.OutgoingHttpHeaders = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.get({ host: origin.hostname, port: origin.port, path, headers }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
      });
    const attempts: Array<[string, http.OutgoingHttpHeaders?]> = [
      ['/docs/static/../../package.json'],
      ['/docs/static/..%2f..%2fpackage.json'],
      ['/docs/static/%2e%2e/%2e%2e/package.json'],
      ['/docs/static/.%2e/.%2e/package.json'],
      ['/docs/static/..%5c..%5cpackage.json'],
      ['/docs/static/%00'],
      ['/docs/static/%E0%A4%A'],
      ['/docs/static/swagger-ui.css', { range: 'bytes=999999999-' }],
    ];
    for (const [path, headers] of attempts) {
      const { status, body } = await get(path, headers);
      expect(status, `${path}: ${body}`).toBeGreaterThanOrEqual(400);
      expect(status, `${path}: ${body}`).toBeLessThan(500);
      expect(JSON.parse(body), path).toEqual({
        code: expect.stringMatching(/^LW_ERR_/),
        message: expect.any(String),
        requestId: expect.any(String),
      });
      expect(body).not.toContain('"devDependencies"');
    }
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
  });
});
