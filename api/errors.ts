import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, LiftwatchError, isLiftwatchError, type ErrorCode } from '../lib/errors.js';

/** Fastify's own errors that a client causes, mapped to ours. */
const FASTIFY_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'LW_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'LW_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'LW_ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'LW_ERR_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'LW_ERR_VALIDATION',
};

function toLiftwatchError(error: FastifyError): LiftwatchError {
  if (isLiftwatchError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => {
      const where = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return where ? `${where}: ${issue.message}` : issue.message;
    });
    return new LiftwatchError(
      'LW_ERR_VALIDATION',
      `Invalid ${error.validationContext ?? 'request'}: ${details.join('; ')}`,
    );
  }
  const mapped = FASTIFY_ERRORS[error.code];
  if (mapped) return new LiftwatchError(mapped, error.message);
  if (error instanceof SyntaxError)
    return new LiftwatchError('LW_ERR_VALIDATION', `Body is not valid JSON: ${error.message}`);
  return new LiftwatchError('LW_ERR_INTERNAL', ERROR_CODES.LW_ERR_INTERNAL.message, { cause: error });
}

/** Every error leaves as `{code, message, requestId}` with the code's HTTP status; requestId finds its log lines. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = toLiftwatchError(error);
    if (mapped.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(mapped.statusCode).send({ code: mapped.code, message: mapped.message, requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 'LW_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url}`, requestId: request.id }),
  );
}
