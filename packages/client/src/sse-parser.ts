/** One Server-Sent Events message, as the stream spelled it. */
export interface SseMessage {
  /** The `event:` name (`message` when the message named none). */
  readonly event: string;
  /** The `data:` lines, joined with `\n`. */
  readonly data: string;
  /** The `id:` of this message, when it had one. */
  readonly id: string | undefined;
  /** The `retry:` reconnection time it asked for, ms, when it had one. */
  readonly retry: number | undefined;
}

/**
 * An incremental parser of `text/event-stream`
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html): feed it
 * text in chunks cut anywhere (inside a line, between `\r` and `\n`), and it
 * returns the messages each chunk completed. Comments (`: ...`) and unknown
 * fields are ignored; a message without data is not dispatched.
 *
 * @example
 * ```ts
 * const parser = new SseParser();
 * parser.push('event: end\nda'); // []
 * parser.push('ta: {}\n\n'); // [{ event: 'end', data: '{}', id: undefined, retry: undefined }]
 * ```
 */
export class SseParser {
  #buffer = '';
  #started = false;
  /** The last character fed was a `\r`: a `\n` at the start of the next chunk belongs to it. */
  #pendingCr = false;
  #event = '';
  #data: string[] = [];
  #hasData = false;
  #id: string | undefined;
  #retry: number | undefined;

  /** Feeds a chunk of text; returns the messages it completed, in order. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCr = false;
    this.#buffer += text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const lf = this.#buffer.indexOf('\n', start);
      const cr = this.#buffer.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.#buffer.length) next = this.#buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          this.#pendingCr = true;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      const message = this.#line(this.#buffer.slice(start, end));
      if (message !== undefined) messages.push(message);
      start = next;
    }
    this.#buffer = this.#buffer.slice(start);
    return messages;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const message: SseMessage | undefined = this.#hasData ? { event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n'), id: this.#id, retry: this.#retry } : undefined;
    this.#event = '';
    this.#data = [];
    this.#hasData = false;
    // Per the spec the last event id persists across messages; here each message carries only its own.
    this.#id = undefined;
    this.#retry = undefined;
    return message;
  }
}

/**
 * Reads a `text/event-stream` body to its end, yielding each message as it
 * completes. Stops (and cancels the body) when the consumer stops iterating.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage, void, undefined> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        yield* parser.push(decoder.decode());
        return;
      }
      yield* parser.push(decoder.decode(chunk.value, { stream: true }));
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
