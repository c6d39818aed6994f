import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { GATEWAY_RATE_LIMIT_HEADER } from '@platform/service-kit';

/** Headers that describe one connection, not the message: never forwarded either way (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);
/** Headers only the gateway may set towards a service: a client's own are dropped. */
const GATEWAY_ONLY = new Set([GATEWAY_RATE_LIMIT_HEADER]);

interface Target {
  hostname: string;
  port: string;
  request: typeof httpRequest;
  agent: HttpAgent;
}

/** What `forward` resolves with when the client went away before the exchange ended (nginx's 499). */
export const CLIENT_CLOSED = 499;

/** The upstream gave no answer: the connection failed, or it did not answer within the timeout (`code` ETIMEDOUT). */
export type ForwardError = Error & { code?: string };

/**
 * Streams a request to an upstream origin over kept-alive connections and relays the answer as it comes
 * (bodies are never buffered, so server-sent events flow through). What a reverse proxy owes both sides:
 * hop-by-hop headers dropped, `X-Forwarded-For/-Port/-Proto/-Host` appended, `Host` kept, the upstream
 * request cancelled when the client goes away. Node's agent honours the upstream's Keep-Alive timeout hint,
 * so an idle pooled connection is dropped before the upstream closes it.
 */
export class HttpForwarder {
  private readonly http = new HttpAgent({ keepAlive: true, maxFreeSockets: 256 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxFreeSockets: 256 });
  private readonly targets = new Map<string, Target>();

  constructor(private readonly timeoutMs: number) {}

  /**
   * Sends `req` to `origin` and pipes the answer into `res`. Resolves with the upstream's status once its
   * answer starts (or CLIENT_CLOSED when the client left first); rejects (before anything is written to
   * `res`) when there is no answer.
   */
  forward(req: IncomingMessage, res: ServerResponse, origin: string): Promise<number> {
    const target = this.targetOf(origin);
    return new Promise<number>((resolve, reject) => {
      let answered = false;
      let clientGone = false;
      const upstream = target.request({
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent: target.agent,
        timeout: this.timeoutMs,
      });
      upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' })));
      upstream.on('error', (err: ForwardError) => {
        // The client hanging up is nobody's failure: no answer is owed, and the upstream's breaker must not count it.
        if (clientGone) resolve(CLIENT_CLOSED);
        else if (!answered) reject(err);
        else res.destroy();
      });
      upstream.on('response', (answer: IncomingMessage) => {
        answered = true;
        const status = answer.statusCode ?? 502;
        res.statusCode = status;
        if (answer.statusMessage) res.statusMessage = answer.statusMessage;
        copyHeaders(answer.headers, res);
        answer.on('error', () => res.destroy());
        answer.pipe(res);
        resolve(status);
      });
      // The client went away (or the answer is done): an unfinished upstream exchange is cancelled.
      res.once('close', () => {
        if (res.writableFinished) return;
        clientGone = true;
        upstream.destroy();
      });
      req.on('error', () => upstream.destroy());
      req.pipe(upstream);
    });
  }

  private targetOf(origin: string): Target {
    let t = this.targets.get(origin);
    if (!t) {
      const url = new URL(origin);
      const tls = url.protocol === 'https:';
      t = { hostname: url.hostname, port: url.port || (tls ? '443' : '80'), request: tls ? httpsRequest : httpRequest, agent: tls ? this.https : this.http };
      this.targets.set(origin, t);
    }
    return t;
  }

  /** Closes pooled upstream connections (shutdown). */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

function connectionTokens(headers: IncomingHttpHeaders): string[] {
  const c = headers.connection;
  return typeof c === 'string' ? c.toLowerCase().split(',').map((t) => t.trim()) : [];
}

/** The client's headers minus hop-by-hop ones, plus the `X-Forwarded-*` set (appended, as http-proxy's `xfwd` does). */
export function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const named = connectionTokens(req.headers);
  const out: OutgoingHttpHeaders = {};
  for (const key in req.headers) {
    if (HOP_BY_HOP.has(key) || GATEWAY_ONLY.has(key) || (named.length > 0 && named.includes(key))) continue;
    out[key] = req.headers[key];
  }
  const encrypted = (req.socket as Partial<TLSSocket>).encrypted === true;
  const host = req.headers.host ?? '';
  const port = /:(\d+)/.exec(host)?.[1] ?? (encrypted ? '443' : '80');
  const append = (name: string, value: string) => {
    const prior = req.headers[name];
    out[name] = typeof prior === 'string' && prior ? `${prior},${value}` : value;
  };
  append('x-forwarded-for', req.socket.remoteAddress ?? '');
  append('x-forwarded-port', port);
  append('x-forwarded-proto', encrypted ? 'https' : 'http');
  out['x-forwarded-host'] = req.headers['x-forwarded-host'] ?? host;
  return out;
}

function copyHeaders(from: IncomingHttpHeaders, res: ServerResponse): void {
  const named = connectionTokens(from);
  for (const key in from) {
    const value = from[key];
    if (value === undefined || HOP_BY_HOP.has(key) || (named.length > 0 && named.includes(key))) continue;
    res.setHeader(key, value);
  }
}
