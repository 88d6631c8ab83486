import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** Client errors (4xx) a library throws with a status of its own, by that status. */
const CLIENT_STATUSES: Readonly<Record<number, ErrorCode>> = {
  400: 'LW_ERR_BAD_REQUEST',
  401: 'LW_ERR_UNAUTHORIZED',
  403: 'LW_ERR_FORBIDDEN',
  404: 'LW_ERR_NOT_FOUND',
  413: 'LW_ERR_PAYLOAD_TOO_LARGE',
  415: 'LW_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'LW_ERR_RATE_LIMITED',
};
const CLIENT_ERROR = { min: 400, max: 499 } as const;

/** An error to send and the status to send it with: a library's own 4xx keeps its status. */
interface Outcome {
  readonly error: LiftwatchError;
  readonly status: number;
}

function toLiftwatchError(error: FastifyError): LiftwatchError | Outcome {
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
  // A 4xx from a library (a path out of /docs/static/, a Range past a file's end) is the client's
  // doing: its status and its message, which such errors keep fit to show (http-errors' `expose`).
  const status = error.statusCode;
  if (status !== undefined && status >= CLIENT_ERROR.min && status <= CLIENT_ERROR.max) {
    return { error: new LiftwatchError(CLIENT_STATUSES[status] ?? 'LW_ERR_BAD_REQUEST', error.message), status };
  }
  return new LiftwatchError('LW_ERR_INTERNAL', ERROR_CODES.LW_ERR_INTERNAL.message, { cause: error });
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toLiftwatchError(error);
  const { error: sent, status } =
    mapped instanceof LiftwatchError ? { error: mapped, status: mapped.statusCode } : mapped;
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.status(status).send({ code: sent.code, message: sent.message, requestId: request.id });
}

/**
 * For Fastify's `frameworkErrors`: what it refuses before any route (a URL whose percent-encoding
 * is broken) leaves in the same body as every other error.
 */
export const frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void =>
  void sendError(error, request, reply);

/**
 * Every error leaves as `{code, message, requestId}` with the code's HTTP status (a library's own 4xx
 * keeps its status); requestId finds its log lines.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 'LW_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url}`, requestId: request.id }),
  );
}
