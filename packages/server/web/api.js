// Talking to the run service: JSON requests with the bearer token, and the
// Server-Sent Events stream of an execution read with fetch (EventSource
// cannot send an Authorization header).

const TOKEN_KEY = 'portflow.token';

/** Thrown when the service answers 401: the page asks for a token. */
export class AuthRequired extends Error {
  constructor() {
    super('This service needs a token');
    this.name = 'AuthRequired';
  }
}

/** Any other error answer: `status`, and the service's `error` code and `message`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.error;
    this.body = body;
  }
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives as long as the page
  }
  memoryToken = token;
}

let memoryToken = '';

function headers(extra = {}) {
  const token = getToken() || memoryToken;
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

/** API paths are relative to the page, so the service may sit behind a path prefix. */
export function apiUrl(path) {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}

/** A JSON request; resolves to the parsed body, throws AuthRequired or ApiError. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, signal, headers: headers({ accept: 'application/json' }) };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(apiUrl(path), init);
  if (response.status === 401) throw new AuthRequired();
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/**
 * An incremental Server-Sent Events parser: feed it decoded text chunks, it
 * calls `onMessage({ event, data, id })` for each complete message.
 * `lastEventId` persists across messages, as the spec says.
 */
export function sseParser(onMessage) {
  let buffer = '';
  let data = [];
  let event = '';
  let lastEventId = '';
  const line = (text) => {
    if (text === '') {
      if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id: lastEventId });
      data = [];
      event = '';
      return;
    }
    if (text.charCodeAt(0) === 58 /* : */) return; // comment / keep-alive
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
  };
  return {
    push(chunk) {
      buffer += chunk;
      let start = 0;
      for (;;) {
        const nl = buffer.indexOf('\n', start);
        if (nl < 0) break;
        const end = nl > start && buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        line(buffer.slice(start, end));
        start = nl + 1;
      }
      if (start > 0) buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

/**
 * Follows an SSE stream until a message named `endEvent` arrives or `signal`
 * aborts, reconnecting with `Last-Event-ID` after a dropped connection.
 * `onMessage` gets `{ event, data, id }` with `data` parsed as JSON;
 * `onConnection(state)` gets 'open', 'retrying' or 'closed';
 * `onAuth()` is called on a 401 (and the stream stops).
 */
export async function followEvents(path, { signal, onMessage, onConnection = () => {}, onAuth = () => {}, endEvent = 'end', onReconnect = () => {} }) {
  let lastEventId = '';
  let ended = false;
  let failures = 0;
  let connectedBefore = false;
  while (!ended && !signal.aborted) {
    try {
      const extra = { accept: 'text/event-stream' };
      if (lastEventId) extra['last-event-id'] = lastEventId;
      const response = await fetch(apiUrl(path), { headers: headers(extra), signal, cache: 'no-store' });
      if (response.status === 401) {
        onConnection('closed');
        onAuth();
        return;
      }
      if (!response.ok || !response.body) {
        let body;
        try {
          body = await response.json();
        } catch {
          body = undefined;
        }
        const error = new ApiError(response.status, body);
        // 4xx will not get better by asking again (404: no such execution); 5xx and 429 may
        if (response.status >= 400 && response.status < 500 && response.status !== 429) error.fatal = true;
        throw error;
      }
      if (connectedBefore) onReconnect();
      connectedBefore = true;
      onConnection('open');
      failures = 0;
      const parser = sseParser((message) => {
        let data;
        try {
          data = message.data === '' ? undefined : JSON.parse(message.data);
        } catch {
          data = message.data;
        }
        if (message.event === endEvent) ended = true;
        onMessage({ event: message.event, data, id: message.id });
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        if (parser.lastEventId) lastEventId = parser.lastEventId;
      }
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof ApiError && error.fatal) {
        onConnection('closed');
        throw error;
      }
    }
    if (ended || signal.aborted) break;
    failures++;
    onConnection('retrying');
    const delay = Math.min(10_000, 500 * 2 ** Math.min(failures - 1, 5));
    await sleep(delay, signal);
  }
  onConnection('closed');
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
