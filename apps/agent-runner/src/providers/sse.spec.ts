import { SseDecoder } from './sse';

describe('SseDecoder', () => {
  it('splits events on blank lines and joins multi-line data', () => {
    const sse = new SseDecoder();
    expect(sse.push('event: message_start\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\n')).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { event: 'message', data: 'line one\nline two' },
    ]);
  });

  it('handles CRLF and CR line endings, even split across chunks, and skips comments', () => {
    const sse = new SseDecoder();
    expect(sse.push(': keep-alive\r\ndata: x\r')).toEqual([]);
    expect(sse.push('\n\r\ndata:y\r\r')).toEqual([{ event: 'message', data: 'x' }]);
    // The final CR could still be half of a CRLF, so the event is complete only once more arrives.
    expect(sse.push('\n')).toEqual([{ event: 'message', data: 'y' }]);
  });

  it('keeps a field split across chunks whole', () => {
    const sse = new SseDecoder();
    expect(sse.push('data: {"te')).toEqual([]);
    expect(sse.push('xt":"hé"}\n\n')).toEqual([{ event: 'message', data: '{"text":"hé"}' }]);
  });

  it('delivers a last event that lacks its blank line when the stream ends', () => {
    const sse = new SseDecoder();
    expect(sse.push('data: [DONE]')).toEqual([]);
    expect(sse.end()).toEqual([{ event: 'message', data: '[DONE]' }]);
  });
});
