import { SseParser } from './sse-parser';

const parseAll = (...chunks: string[]) => {
  const p = new SseParser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
};

describe('SseParser', () => {
  it('parses id, event and multi-line data, defaulting the event type to message', () => {
    expect(parseAll('id: 1\nevent: run_started\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\n')).toEqual([
      { id: '1', event: 'run_started', data: '{"a":1}' },
      { id: '1', event: 'message', data: 'line one\nline two' },
    ]);
  });

  it('handles CRLF, CR and LF line ends, even a CRLF split across chunks', () => {
    expect(parseAll('data: a\r', '\n\r\ndata: b\r\rdata: c\n\n')).toEqual([
      { id: undefined, event: 'message', data: 'a' },
      { id: undefined, event: 'message', data: 'b' },
      { id: undefined, event: 'message', data: 'c' },
    ]);
  });

  it('ignores comments, unknown fields and blocks without data', () => {
    expect(parseAll(': keep-alive\n\nfoo: bar\nevent: ping\n\ndata\n\n')).toEqual([{ id: undefined, event: 'message', data: '' }]);
  });

  it('strips only one leading space of a value and keeps colons inside it', () => {
    expect(parseAll('data:  two spaces: here\n\ndata:none\n\n').map((e) => e.data)).toEqual([' two spaces: here', 'none']);
  });

  it('tracks the last event id for resumption and resets it on an empty id', () => {
    const p = new SseParser();
    p.push('id: 7\ndata: x\n\n');
    expect(p.lastEventId).toBe('7');
    expect(p.push('id\ndata: y\n\n')).toEqual([{ id: undefined, event: 'message', data: 'y' }]);
    expect(p.lastEventId).toBeUndefined();
  });

  it('reads a numeric retry and ignores a malformed one', () => {
    expect(parseAll('retry: 1500\ndata: a\n\nretry: soon\ndata: b\n\n')).toEqual([
      { id: undefined, event: 'message', data: 'a', retry: 1500 },
      { id: undefined, event: 'message', data: 'b' },
    ]);
  });

  it('drops an event whose blank line never came and skips a leading BOM', () => {
    expect(parseAll('\uFEFFdata: whole\n\ndata: cut off')).toEqual([{ id: undefined, event: 'message', data: 'whole' }]);
  });
});
