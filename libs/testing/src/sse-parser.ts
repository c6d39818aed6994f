/** One server-sent event as an EventSource would deliver it. */
export interface SseEvent {
  /** The last event id seen on the stream (ids carry over to later events, as in EventSource). */
  id: string | undefined;
  /** The `event:` field, `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `retry:` field of this event's block, if any. */
  retry?: number;
}

/** Incremental text/event-stream parser (WHATWG rules): feed it chunks, get complete events back. */
export class SseParser {
  private buf = '';
  private started = false;
  private data: string[] = [];
  private type = '';
  private retry: number | undefined;
  private lastId: string | undefined;

  get lastEventId(): string | undefined {
    return this.lastId;
  }

  push(chunk: string): SseEvent[] {
    this.buf += chunk;
    if (!this.started && this.buf.length > 0) {
      this.started = true;
      if (this.buf.charCodeAt(0) === 0xfeff) this.buf = this.buf.slice(1);
    }
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.buf.search(/[\r\n]/);
      if (end === -1) break;
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (this.buf[end] === '\r' && end === this.buf.length - 1) break;
      const line = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + (this.buf.startsWith('\r\n', end) ? 2 : 1));
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  /** The stream ended: a pending CR still ends its line, but an event without its blank line is dropped. */
  end(): SseEvent[] {
    const out = this.buf.endsWith('\r') ? this.push('\n') : [];
    this.buf = '';
    this.data = [];
    this.type = '';
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value === '' ? undefined : value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const { data, type, retry } = this;
    this.data = [];
    this.type = '';
    this.retry = undefined;
    if (data.length === 0) return undefined;
    return { id: this.lastId, event: type || 'message', data: data.join('\n'), ...(retry === undefined ? {} : { retry }) };
  }
}
