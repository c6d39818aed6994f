import WebSocket from 'ws';

/** The handshake was answered with an HTTP status instead of 101. */
export class WsRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`WebSocket handshake refused with ${status}: ${body.slice(0, 300)}`);
    this.name = 'WsRefused';
  }
}

export type WsMessage = Record<string, unknown> & { type: string };

/** A WebSocket client that queues the server's JSON messages for `next()`. */
export class WsClient {
  private readonly queue: WsMessage[] = [];
  private readonly waiters: Array<(m: WsMessage) => void> = [];

  /** Resolves with the close code and reason once the socket is closed (by either side). */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (raw: WebSocket.RawData) => {
      const msg = JSON.parse(raw.toString()) as WsMessage;
      const waiter = this.waiters.shift();
      if (waiter) waiter(msg);
      else this.queue.push(msg);
    });
  }

  /** Connects to `url` (http(s) is turned into ws(s)); rejects with WsRefused when the handshake is refused. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers, handshakeTimeout: 10_000 });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => reject(new WsRefused(res.statusCode ?? 0, body, res.headers)));
        ws.on('error', () => undefined);
      });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The next message that is not a heartbeat; rejects after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.nextRaw(Math.max(1, deadline - Date.now()));
      if (m.type !== 'heartbeat') return m;
    }
  }

  private nextRaw(timeoutMs: number): Promise<WsMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (m: WsMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no WebSocket message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
