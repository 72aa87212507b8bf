import { StringDecoder } from 'node:string_decoder';

/** Longest line handed on whole; longer runs without a line break are cut into pieces this long. */
const MAX_LINE_LENGTH = 16_384;

/**
 * Turns a byte stream into lines of text: UTF-8 decoded across chunk
 * boundaries, split on `\n` (a `\r\n` ending is dropped too). Text rewritten
 * with carriage returns (progress bars) keeps what a terminal would show:
 * the part after the last `\r`. A run of text longer than 16 KiB without a
 * line break is handed on in pieces, so memory stays bounded. @internal
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onLine: (line: string) => void;
  #partial = '';

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  /** Takes the next chunk and hands on every line it completes. */
  write(chunk: Buffer): void {
    const text = this.#partial + this.#decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.#emit(text.slice(start, end));
      start = end + 1;
    }
    let rest = text.slice(start);
    while (rest.length > MAX_LINE_LENGTH) {
      this.#emit(rest.slice(0, MAX_LINE_LENGTH));
      rest = rest.slice(MAX_LINE_LENGTH);
    }
    this.#partial = rest;
  }

  /** The stream ended: hands on the last line if it had no line break. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest.length > 0) this.#emit(rest);
  }

  #emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const cr = line.lastIndexOf('\r');
    this.#onLine(cr === -1 ? line : line.slice(cr + 1));
  }
}

/**
 * Keeps the last `limit` bytes of a byte stream (whole chunks until they
 * exceed the limit), and counts all of them. @internal
 */
export class TailBytes {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #kept = 0;
  /** Bytes seen in all. */
  total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.#limit === 0) return;
    this.#chunks.push(chunk);
    this.#kept += chunk.length;
    while (this.#kept - this.#chunks[0]!.length >= this.#limit) this.#kept -= this.#chunks.shift()!.length;
  }

  /** Whether bytes were dropped. */
  get truncated(): boolean {
    return this.total > this.#limit;
  }

  /** The kept bytes as UTF-8 text, starting at a whole character. */
  text(): string {
    let bytes = Buffer.concat(this.#chunks, this.#kept);
    if (bytes.length > this.#limit) bytes = bytes.subarray(bytes.length - this.#limit);
    let start = 0;
    // Skip continuation bytes (10xxxxxx) of a character cut at the front.
    if (this.truncated) while (start < bytes.length && start < 3 && (bytes[start]! & 0xc0) === 0x80) start++;
    return bytes.subarray(start).toString('utf8');
  }
}

/** The last `limit` lines pushed. @internal */
export class TailLines {
  readonly #limit: number;
  readonly #lines: string[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#limit) this.#lines.shift();
  }

  lines(): readonly string[] {
    return [...this.#lines];
  }
}
