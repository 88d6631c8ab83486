// The HTTP API as the console uses it: the key from sessionStorage on every call, errors as
// ApiError, and the live ticket feed read with fetch (EventSource cannot send a key).

const KEY_STORAGE = 'lw.console.key';
export const HTTP_UNAUTHORIZED = 401;
export const HTTP_NOT_FOUND = 404;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;
const LIVE_PATH = '/api/ticket-events/live';

export const storedKey = () => sessionStorage.getItem(KEY_STORAGE);
export const storeKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = () => sessionStorage.removeItem(KEY_STORAGE);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};
/** What to do when the stored key stops working (revoked, expired): sign out. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

const authorization = (key) => ({ authorization: `Bearer ${key}` });

/** One call; `key` defaults to the stored one (sign-in passes the key it is trying). */
export async function api(path, { method = 'GET', body, key = storedKey() } = {}) {
  const headers = authorization(key);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  if (response.status === HTTP_UNAUTHORIZED && key === storedKey()) unauthorized();
  throw new ApiError(response.status, payload?.code ?? 'LW_ERR_INTERNAL', payload?.message ?? response.statusText);
}

/** `path?name=value&…` leaving out empty values. */
export function withQuery(path, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== ''));
  return query.size === 0 ? path : `${path}?${query}`;
}

/** Server-sent events from a response body: one {id, event, data} object per message; comments skipped. */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const message = {};
      for (const line of buffer.slice(0, end).split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const field = line.slice(0, colon);
        const text = line.slice(colon + 1).replace(/^ /, '');
        message[field] = field === 'data' && message.data !== undefined ? `${message.data}\n${text}` : text;
      }
      buffer = buffer.slice(end + 2);
      if (message.data !== undefined) yield message;
    }
  }
}

const pause = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });

/**
 * Follows the live ticket feed until closed, reconnecting with backoff and resuming after the
 * last event seen. `onState(true, resumed)` once connected, `resumed` when it picked up after the
 * last event seen (nothing missed); `onState(false)` while away. `ready` settles after the first
 * attempt, connected or not.
 */
export function followTicketEvents({ onEvent, onState }) {
  const controller = new AbortController();
  const { signal } = controller;
  let lastId;
  let retryMs = FIRST_RETRY_MS;
  let settle;
  const ready = new Promise((resolve) => {
    settle = resolve;
  });
  signal.addEventListener('abort', () => settle(), { once: true });
  const report = (connected, resumed = false) => {
    settle();
    onState(connected, resumed);
  };
  const connectOnce = async () => {
    const resumed = lastId !== undefined;
    const response = await fetch(withQuery(LIVE_PATH, { after: lastId }), {
      headers: authorization(storedKey()),
      signal,
    });
    if (response.status === HTTP_UNAUTHORIZED) {
      unauthorized();
      return;
    }
    if (!response.ok || !response.body) throw new Error(`live feed answered ${response.status}`);
    retryMs = FIRST_RETRY_MS;
    report(true, resumed);
    for await (const message of serverSentEvents(response.body)) {
      if (message.id !== undefined) lastId = message.id;
      onEvent(JSON.parse(message.data));
    }
  };
  (async () => {
    while (!signal.aborted) {
      await connectOnce().catch(() => {});
      if (signal.aborted) return;
      report(false);
      await pause(retryMs, signal);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  })();
  return { ready, close: () => controller.abort() };
}
