import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ContentBlock, Message, RunEvent } from '@platform/contracts';

/**
 * Stands in for the sessions service (built in parallel): serves `GET /internal/sessions/{id}/messages`
 * from memory, and can absorb a run's message_complete events the way sessions will persist them.
 */
export class FakeSessions {
  readonly authHeaders: Array<string | undefined> = [];
  private readonly messages = new Map<string, Message[]>();
  private failNext = 0;
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` history requests answer 503. */
  failRequests(n: number): void {
    this.failNext = n;
  }

  addMessage(sessionId: string, role: Message['role'], content: ContentBlock[], runId: string | null = null): void {
    const list = this.messages.get(sessionId) ?? [];
    list.push({
      id: randomUUID(),
      session_id: sessionId,
      run_id: runId,
      seq: list.length + 1,
      role,
      content,
      created_at: new Date().toISOString(),
    });
    this.messages.set(sessionId, list);
  }

  /** Persists the run's finished messages, as sessions derives them from the event stream. */
  absorb(events: RunEvent[]): void {
    for (const e of events)
      if (e.type === 'message_complete') this.addMessage(e.session_id, e.data.role, e.data.content, e.run_id);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.authHeaders.push(req.headers.authorization);
    const match = /^\/internal\/sessions\/([^/]+)\/messages$/.exec(req.url ?? '');
    if (this.failNext > 0) {
      this.failNext--;
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":"down","error_code":"UPSTREAM_UNAVAILABLE"}');
      return;
    }
    if (req.method !== 'GET' || !match?.[1]) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found","error_code":"NOT_FOUND"}');
      return;
    }
    const sessionId = decodeURIComponent(match[1]);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ session_id: sessionId, messages: this.messages.get(sessionId) ?? [] }));
  }
}
