import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat-completions request the fake model received. */
export interface ModelRequest {
  model: string;
  system: string;
  /** The text of the last user message: the query being answered. */
  prompt: string;
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role: string; content?: unknown }>;
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (p as { text?: string }).text ?? '').join('') : '';

/**
 * A local OpenAI-compatible server (`POST /chat/completions`, streamed) standing in for a real model:
 * `answer` decides the text from the query, which is streamed back in small chunks with a usage chunk.
 */
export class FakeOpenAi {
  readonly requests: ModelRequest[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  constructor(private readonly answer: (prompt: string) => string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString('utf8');
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(raw || '{}') as ChatBody;
    const messages = body.messages ?? [];
    const prompt = textOf(messages.filter((m) => m.role === 'user').at(-1)?.content);
    this.requests.push({ model: body.model ?? '', system: textOf(messages.find((m) => m.role === 'system')?.content), prompt });
    const text = this.answer(prompt);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(chunk({ role: 'assistant', content: '' }));
    for (let i = 0; i < text.length; i += 40) res.write(chunk({ content: text.slice(i, i + 40) }));
    res.write(chunk({}, 'stop'));
    res.write(`data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 50, completion_tokens: 20 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  }
}
