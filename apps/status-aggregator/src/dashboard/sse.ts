/** One server-sent event: its `event:` name (`message` by default) and joined `data:` lines. */
export interface SseMessage {
  event: string;
  data: string;
}

/** Incremental text/event-stream parser (the parts the status stream uses: event, data, retry, comments). */
export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];
  /** The server's `retry:` advice in ms, if it gave one. */
  retryMs: number | undefined;

  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) !== -1) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + (this.buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    return out;
  }
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface StreamOptions {
  url: string;
  /** Read on every (re)connection, so a sign-in or sign-out takes effect on the next one. */
  token: () => string | null;
  onMessage: (m: SseMessage) => void;
  onState: (s: StreamState) => void;
  signal: AbortSignal;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Reads the stream over fetch (unlike EventSource, it can send the Authorization header) and
 * reconnects with backoff until `signal` aborts. A 401 is reported once and not retried: the
 * caller drops the token and opens a new stream.
 */
export async function followStream(o: StreamOptions): Promise<void> {
  let failures = 0;
  while (!o.signal.aborted) {
    o.onState(failures === 0 ? 'connecting' : 'reconnecting');
    const parser = new SseParser();
    try {
      const token = o.token();
      const res = await fetch(o.url, {
        headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: o.signal,
      });
      if (res.status === 401) {
        o.onState('unauthorized');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const messages = parser.push(decoder.decode(value, { stream: true }));
        if (messages.length > 0) {
          failures = 0;
          o.onState('live');
        }
        for (const m of messages) o.onMessage(m);
      }
    } catch {
      if (o.signal.aborted) return;
    }
    failures += 1;
    await sleep(Math.min(30_000, (parser.retryMs ?? 2000) * Math.min(failures, 5)), o.signal);
  }
}
