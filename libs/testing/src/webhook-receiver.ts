/** A real local webhook receiver (a third party from the platform's point of view) that checks X-Signature. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
  /** The X-Signature checked the way a receiver should: HMAC of "t.body", and t within 5 minutes. */
  signatureValid: boolean;
  /** What the receiver answered. */
  status: number;
  at: number;
}

/** Verifies `X-Signature: t=<unix>,v1=<hex>` over the raw body with `secret`. */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowS = Date.now() / 1000,
): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!parts.v1 || !Number.isInteger(t) || Math.abs(nowS - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook endpoint on 127.0.0.1: records every request, answers `failures` of them with 500 first, then 200. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  secret = '';
  failures = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<WebhookReceiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => receiver.handle(req, res));
    return receiver;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const status = this.failures > 0 ? 500 : 200;
      if (this.failures > 0) this.failures--;
      const signatureValid = verifySignature(req.headers['x-signature'] as string | undefined, body, this.secret);
      this.received.push({ body, headers: req.headers, signatureValid, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  }

  /** Requests whose body names `runId`. */
  forRun(runId: string): Received[] {
    return this.received.filter((r) => r.body.includes(runId));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
