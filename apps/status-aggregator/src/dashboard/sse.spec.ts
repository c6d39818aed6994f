import { SseParser } from './sse';

describe('SseParser', () => {
  it('joins data lines, names events and skips comments, across chunk boundaries', () => {
    const p = new SseParser();

    const first = p.push('retry: 2000\n\n: keep-alive\n\nid: 1\nevent: snapshot\ndata: {"a"');
    const second = p.push(':1}\n\nid: 2\ndata: line one\r\ndata: line two\r\n\r\n');

    expect(first).toEqual([]);
    expect(second).toEqual([
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'message', data: 'line one\nline two' },
    ]);
    expect(p.retryMs).toBe(2000);
  });
});
