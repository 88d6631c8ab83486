/**
 * Every error liftwatch reports has a code, an HTTP status and a default message.
 * docs/errors.md documents each code; a test fails when one is missing there.
 */
export const ERROR_CODES = {
  LW_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  LW_ERR_BAD_REQUEST: { status: 400, message: 'The request cannot be served as sent' },
  LW_ERR_CSV_MALFORMED: { status: 400, message: 'The CSV file cannot be parsed; nothing was imported' },
  LW_ERR_UNAUTHORIZED: { status: 401, message: 'A valid API key is required: Authorization: Bearer <key>' },
  LW_ERR_FORBIDDEN: { status: 403, message: 'This key may not do that' },
  LW_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  LW_ERR_ELEVATOR_EXISTS: { status: 409, message: 'An elevator with this id is already registered' },
  LW_ERR_TICKET_TRANSITION: { status: 409, message: 'The ticket cannot take that step from its status' },
  LW_ERR_GATEWAY_EXISTS: { status: 409, message: 'A gateway with this id is already registered' },
  LW_ERR_GATEWAY_IN_USE: { status: 409, message: 'Elevators name this gateway: move them off it first' },
  LW_ERR_PRINCIPAL_EXISTS: { status: 409, message: 'An insurer, regulator or use unit with this id exists' },
  LW_ERR_KEY_REPLACED: { status: 409, message: 'This key was replaced by a newer one: rotate with the newest key' },
  LW_ERR_DELIVERY_STATE: { status: 409, message: 'Only a failed delivery can be retried' },
  LW_ERR_POLICY_OVERLAP: { status: 409, message: "The policy's period overlaps another policy of the elevator" },
  LW_ERR_NOT_INSURED: { status: 409, message: 'No policy covered the elevator when the accident happened' },
  LW_ERR_DUPLICATE: { status: 409, message: 'The same record is already stored' },
  LW_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  LW_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not accepted here' },
  LW_ERR_WEBHOOK_REFUSED: { status: 422, message: 'Webhooks may not go to loopback, private or reserved addresses' },
  LW_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests for this key; retry after Retry-After seconds' },
  LW_ERR_TOO_MANY_FEEDS: { status: 429, message: 'This key has as many live feeds open as it may' },
  LW_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  LW_ERR_INFLUX_UNAVAILABLE: { status: 503, message: 'InfluxDB is not reachable' },
  LW_ERR_CONFIG: { status: 500, message: 'The configuration is not valid' },
  LW_ERR_INFLUXD_MISSING: { status: 500, message: 'influxd is not installed' },
  LW_ERR_INFLUXD_START: { status: 500, message: 'The local influxd did not start' },
  LW_ERR_REDIS_UNAVAILABLE: { status: 500, message: 'Redis is not reachable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LiftwatchError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code].message, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LiftwatchError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
  }
}

export function isLiftwatchError(error: unknown): error is LiftwatchError {
  return error instanceof LiftwatchError;
}
