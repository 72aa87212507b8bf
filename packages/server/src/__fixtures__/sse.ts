/** One Server-Sent Events message as read by a test. */
export interface SseMessage {
  readonly event: string;
  readonly id?: string;
  readonly data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON of any message type
}

/**
 * Reads an event stream until it ends (or `stopWhen` holds for a message,
 * after which the connection is dropped), returning its messages in order.
 */
export async function readSse(url: string, options: { headers?: Record<string, string>; stopWhen?: (message: SseMessage) => boolean; onMessage?: (message: SseMessage) => void } = {}): Promise<SseMessage[]> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: options.headers ?? {}, signal: abort.signal });
  if (response.status !== 200) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const messages: SseMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
        if (fields.event === undefined) continue;
        const message: SseMessage = { event: fields.event, ...(fields.id === undefined ? {} : { id: fields.id }), data: JSON.parse(fields.data ?? 'null') };
        messages.push(message);
        options.onMessage?.(message);
        if (options.stopWhen?.(message)) {
          abort.abort();
          return messages;
        }
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
  return messages;
}
