import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(doc.paths['/api/health'].get.security).toEqual([]);
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
});
