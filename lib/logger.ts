import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** JSON lines on stderr, so stdout stays for what a command prints for its user. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'liftwatch' } }, pino.destination(2));
}
