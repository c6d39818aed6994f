import { SseParser, type SseEvent } from './sse-parser';

/** The stream endpoint did not answer 200 text/event-stream. */
export class SseHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType: string | null,
  ) {
    super(`expected 200 text/event-stream, got ${status} ${contentType ?? '(no content-type)'}: ${body.slice(0, 500)}`);
    this.name = 'SseHttpError';
  }
}

/** An open event stream: iterate it with `for await`, or pull with next()/take(); close() when done. */
export interface SseStream extends AsyncIterable<SseEvent> {
  readonly status: number;
  readonly headers: Headers;
  /** The last `id:` seen (send it as Last-Event-ID to resume). */
  readonly lastEventId: string | undefined;
  /** The next event; rejects when none arrives within `timeoutMs` (default 5 s) or the stream ends. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** The next `n` events, all within `timeoutMs` (default 5 s). */
  take(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Aborts the request; pending and later reads end. */
  close(): void;
}

interface Waiter {
  resolve: (e: SseEvent | undefined) => void;
  reject: (err: unknown) => void;
}

class Stream implements SseStream {
  private readonly parser = new SseParser();
  private readonly queue: SseEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private ended = false;
  private failure: unknown;

  constructor(
    private readonly res: Response,
    private readonly abort: AbortController,
  ) {}

  get status(): number {
    return this.res.status;
  }
  get headers(): Headers {
    return this.res.headers;
  }
  get lastEventId(): string | undefined {
    return this.parser.lastEventId;
  }

  async pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.res.body as unknown as AsyncIterable<Uint8Array>) {
        this.deliver(this.parser.push(decoder.decode(chunk, { stream: true })));
      }
      this.deliver(this.parser.push(decoder.decode()));
      this.deliver(this.parser.end());
    } catch (err) {
      if (!this.abort.signal.aborted) this.failure = err;
    } finally {
      this.ended = true;
      for (const w of this.waiters.splice(0)) {
        if (this.failure === undefined) w.resolve(undefined);
        else w.reject(this.failure);
      }
    }
  }

  private deliver(events: SseEvent[]): void {
    for (const e of events) {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(e);
      else this.queue.push(e);
    }
  }

  /** The next event, or undefined once the stream ended. */
  private pull(timeoutMs: number | undefined): Promise<SseEvent | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return this.failure === undefined ? Promise.resolve(undefined) : Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no server-sent event within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  async next(timeoutMs = 5000): Promise<SseEvent> {
    const e = await this.pull(timeoutMs);
    if (!e) throw new Error('the event stream ended');
    return e;
  }

  async take(n: number, timeoutMs = 5000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const out: SseEvent[] = [];
    while (out.length < n) {
      try {
        out.push(await this.next(Math.max(1, deadline - Date.now())));
      } catch (err) {
        throw new Error(`got ${out.length} of ${n} events: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return out;
  }

  close(): void {
    this.abort.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<SseEvent> {
    return {
      next: async () => {
        const e = await this.pull(undefined);
        return e ? { value: e, done: false } : { value: undefined, done: true };
      },
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }
}

/** Opens `url` as a text/event-stream over fetch; rejects with SseHttpError unless it answers 200 text/event-stream. */
export async function sseClient(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', 'cache-control': 'no-cache', ...headers },
    signal: abort.signal,
  });
  const contentType = res.headers.get('content-type');
  if (res.status !== 200 || !contentType?.startsWith('text/event-stream') || !res.body) {
    const body = await res.text().catch(() => '');
    abort.abort();
    throw new SseHttpError(res.status, body, contentType);
  }
  const stream = new Stream(res, abort);
  void stream.pump();
  return stream;
}
