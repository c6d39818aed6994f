/** One server-sent event: its `event:` name (default `message`) and its joined `data:` lines. */
export interface SseMessage {
  event: string;
  data: string;
}

/** Splits a text stream into SSE messages (WHATWG rules: CRLF/LF/CR lines, comments, multi-line data). */
export class SseDecoder {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end may be the first half of a CRLF split across chunks.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  /** Ends the stream; a final message without its blank line is still delivered (lenient servers). */
  end(): SseMessage[] {
    const out = this.buffer.length > 0 ? this.push('\n') : [];
    const last = this.line('');
    return last ? [...out, last] : out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const message = { event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }
}

/** Reads a fetch body as SSE messages. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  const sse = new SseDecoder();
  for await (const chunk of body) {
    yield* sse.push(decoder.decode(chunk, { stream: true }));
  }
  yield* sse.push(decoder.decode());
  yield* sse.end();
}
