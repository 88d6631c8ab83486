import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import packageJson from '../package.json' with { type: 'json' };

export const DOCS_PREFIX = '/docs';
/** The name routes use to say they need no key (`security: []`) or, by default, this one. */
export const BEARER = 'bearer';

/**
 * The OpenAPI document of every route registered after this, generated from the routes' zod
 * schemas, as JSON at /docs/json and in Swagger UI at /docs. Call it before registering routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'liftwatch',
        version: packageJson.version,
        description: 'Elevator telemetry, rules and insurer tickets. Errors are {code, message, requestId}.',
      },
      components: {
        securitySchemes: {
          [BEARER]: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' },
        },
      },
      security: [{ [BEARER]: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
}
