import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** How the server answers one request: an SSE body (sent in small pieces), or a status with a JSON body. */
export type FakeReply = { sse: string; chunkSize?: number; hangAfter?: boolean } | { status: number; json: unknown };

/**
 * A local stand-in for an LLM provider: records each request and answers with the next scripted
 * reply, writing SSE bodies in small pieces so the client's parser meets events split anywhere.
 */
export class FakeLlmServer {
  readonly requests: RecordedRequest[] = [];
  /** How many streamed answers the client hung up on before the server ended them (an aborted request). */
  abandoned = 0;
  private readonly replies: FakeReply[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reply(...replies: FakeReply[]): void {
    this.replies.push(...replies);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString('utf8');
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(raw || '{}') as Record<string, unknown>,
    });
    const reply = this.replies.shift() ?? { status: 500, json: { error: { message: 'no scripted reply' } } };
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.on('close', () => {
      if (!res.writableEnded) this.abandoned++;
    });
    const size = reply.chunkSize ?? 7;
    for (let i = 0; i < reply.sse.length; i += size) {
      res.write(reply.sse.slice(i, i + size));
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!reply.hangAfter) res.end();
  }
}

/** `event: <type>\ndata: <json>\n\n` for each Anthropic stream event. */
export const anthropicSse = (events: Array<Record<string, unknown> & { type: string }>): string =>
  events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');

/** `data: <json>\n\n` per chat.completion.chunk, then `data: [DONE]`. */
export const openAiSse = (chunks: Array<Record<string, unknown>>, done = true): string =>
  chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
