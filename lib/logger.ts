import { styleText } from 'node:util';
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `json`: one JSON object a line, for files, pipes and log collectors; `pretty`: lines for a person. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The format asked for, else lines for a person when the log goes to a terminal and JSON when it does not. */
export function logFormatFor(asked: LogFormat | null, isTTY: boolean): LogFormat {
  return asked ?? (isTTY ? 'pretty' : 'json');
}

const LEVEL_STYLE: Readonly<Record<string, Parameters<typeof styleText>[0]>> = {
  fatal: 'red',
  error: 'red',
  warn: 'yellow',
  info: 'green',
  debug: 'gray',
  trace: 'gray',
};
/** What every line has, shown in its own place or not at all. */
const OMITTED = new Set(['level', 'time', 'msg', 'service', 'component', 'pid', 'hostname']);
const LEVEL_WIDTH = 5;
/**
 * Back to the start of the line and clear it: a progress bar a command redraws in place (on
 * stdout, the same terminal) gives way to the log line, and is drawn again below it.
 */
const CLEAR_LINE = '\r\u001b[K';

const valueText = (value: unknown) =>
  typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);

/**
 * One of pino's JSON lines as a person reads it: `12:04:05.123 WARN  rules: message key=value`,
 * an error's stack below it.
 */
export function prettyLine(json: string, { colors }: { colors: boolean }): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const label = pino.levels.labels[entry.level as number] ?? String(entry.level);
  // Whether to colour is decided here (for stderr), not by styleText (which looks at stdout).
  const style = (format: Parameters<typeof styleText>[0], text: string) =>
    colors ? styleText(format, text, { validateStream: false }) : text;
  const time = new Date(entry.time as number);
  const clock = [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  // pino's error serializer gives { type, message, stack }: the stack goes below the line.
  const err = typeof entry.err === 'object' ? (entry.err as { message?: string; stack?: string } | null) : null;
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key) && !(key === 'err' && err?.stack))
    .map(([key, value]) => `${key}=${valueText(key === 'err' && err?.message ? err.message : value)}`);
  const component = typeof entry.component === 'string' ? `${entry.component}: ` : '';
  const head = [
    style('dim', `${clock}.${String(time.getMilliseconds()).padStart(3, '0')}`),
    style(LEVEL_STYLE[label] ?? 'reset', label.toUpperCase().padEnd(LEVEL_WIDTH)),
    `${component}${String(entry.msg ?? '')}`,
    ...fields,
  ].join(' ');
  const stack = err?.stack ? `\n${err.stack.replace(/^/gm, '    ')}` : '';
  return `${head}${stack}\n`;
}

/**
 * Logs on stderr, so stdout stays for what a command prints for its user: lines for a person at
 * a terminal, JSON lines otherwise or when `format` says so (LW_LOG_FORMAT).
 */
export function createLogger(level: LogLevel, format: LogFormat | null = null): Logger {
  const options = { level, base: { service: 'liftwatch' } };
  const destination = pino.destination(2);
  if (logFormatFor(format, Boolean(process.stderr.isTTY)) === 'json') return pino(options, destination);
  const colors = process.stderr.hasColors?.() ?? false;
  const clear = process.stderr.isTTY ? CLEAR_LINE : '';
  return pino(options, { write: (line: string) => destination.write(`${clear}${prettyLine(line, { colors })}`) });
}
