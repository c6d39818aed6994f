import WebSocket from 'ws';

/** A WebSocket test client that queues parsed JSON messages for `next()`. */
export class WsClient {
  private readonly queue: unknown[] = [];
  private readonly waiters: Array<(m: unknown) => void> = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: WebSocket.RawData) => {
      const msg: unknown = JSON.parse(raw.toString());
      const waiter = this.waiters.shift();
      if (waiter) waiter(msg);
      else this.queue.push(msg);
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /** Opens `url`; rejects with the refusal status (and body) when the handshake is refused. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(new WsRefused(res.statusCode ?? 0, body)));
      });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next message (heartbeats included); rejects after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Record<string, unknown>> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      const waiter = (m: unknown) => {
        clearTimeout(timer);
        resolve(m as Record<string, unknown>);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no WebSocket message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next message that is not a heartbeat. */
  async nextNonHeartbeat(timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      if (m.type !== 'heartbeat') return m;
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export class WsRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`WebSocket handshake refused with ${status}: ${body}`);
  }
}
