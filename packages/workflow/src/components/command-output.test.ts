import { LineSplitter, TailBytes, TailLines } from './command-output';

function split(...chunks: (string | Buffer)[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n across chunks, and hands on a last line without a break', () => {
    expect(split('one\r\ntw', 'o\nthr', 'ee')).toEqual(['one', 'two', 'three']);
  });

  it('decodes a character split between chunks', () => {
    const bytes = Buffer.from('né\n');
    expect(split(bytes.subarray(0, 2), bytes.subarray(2))).toEqual(['né']);
  });

  it('keeps what a terminal would show of a line rewritten with \\r', () => {
    expect(split('10%\r50%\r100%\n')).toEqual(['100%']);
  });

  it('cuts a run without line breaks into 16 KiB pieces', () => {
    const lines = split('x'.repeat(40_000));
    expect(lines.map((l) => l.length)).toEqual([16_384, 16_384, 7_232]);
  });
});

describe('TailBytes', () => {
  it('keeps the last bytes and counts all of them', () => {
    const tail = new TailBytes(5);
    for (const chunk of ['abc', 'def', 'ghij']) tail.push(Buffer.from(chunk));
    expect([tail.text(), tail.total, tail.truncated]).toEqual(['fghij', 10, true]);
  });

  it('keeps everything under the limit, and nothing with limit 0', () => {
    const all = new TailBytes(100);
    all.push(Buffer.from('abc'));
    expect([all.text(), all.truncated]).toEqual(['abc', false]);
    const none = new TailBytes(0);
    none.push(Buffer.from('abc'));
    expect([none.text(), none.total]).toEqual(['', 3]);
  });
});

describe('TailLines', () => {
  it('keeps the last lines', () => {
    const tail = new TailLines(2);
    for (const line of ['a', 'b', 'c']) tail.push(line);
    expect(tail.lines()).toEqual(['b', 'c']);
  });
});
