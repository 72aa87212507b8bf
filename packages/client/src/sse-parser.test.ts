import { readSse, SseParser, type SseMessage } from './sse-parser';

const message = (event: string, data: string, id?: string, retry?: number): SseMessage => ({ event, data, id, retry });

describe('SseParser', () => {
  it('parses messages with event, id, multi-line data and retry, ignoring comments and unknown fields', () => {
    const parser = new SseParser();
    const text = ': keep-alive\n\nid: r1:1\nevent: engine\ndata: {"a":1}\n\nevent: log\ndata: one\ndata: two\nfoo: bar\nretry: 250\n\n';
    expect(parser.push(text)).toEqual([message('engine', '{"a":1}', 'r1:1'), message('log', 'one\ntwo', undefined, 250)]);
  });

  it('gives the same messages however the text is cut, with \\n, \\r\\n or \\r line ends', () => {
    const text = '\ufeffid: 0.1\r\nevent: engine\r\ndata: {"seq":1}\r\n\r\nevent: end\rdata:{"x":"y"}\r\rdata: plain\n\n';
    const expected = [message('engine', '{"seq":1}', '0.1'), message('end', '{"x":"y"}'), message('message', 'plain')];
    expect(new SseParser().push(text)).toEqual(expected);
    for (let size = 1; size <= 7; size++) {
      const parser = new SseParser();
      const got: SseMessage[] = [];
      for (let i = 0; i < text.length; i += size) got.push(...parser.push(text.slice(i, i + size)));
      expect(got).toEqual(expected);
    }
  });

  it('does not dispatch a message without data, and keeps an unfinished one for the next chunk', () => {
    const parser = new SseParser();
    expect(parser.push('event: state\n\nevent: end\ndata: {}')).toEqual([]);
    expect(parser.push('\n\n')).toEqual([message('end', '{}')]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split across chunks and yields every message of a body', async () => {
    const bytes = new TextEncoder().encode('event: log\ndata: "héllo ✓"\n\nevent: end\ndata: {}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const got: SseMessage[] = [];
    for await (const m of readSse(body)) got.push(m);
    expect(got).toEqual([message('log', '"héllo ✓"'), message('end', '{}')]);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('event: log\ndata: 1\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const m of readSse(body)) {
      expect(m.data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
