import http from 'node:http';
import type net from 'node:net';
import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { WebSocketServer } from 'ws';

const ISSUER = 'agent-platform';
const AUDIENCE = 'agent-platform';
const KID = 'deploy-test-key';

/**
 * A local server standing in for auth and sessions behind the real gateways: it publishes a JWKS
 * (so the gateways verify tokens it signs), answers JSON, and streams server-sent events at
 * `/api/v1/sessions/<id>/stream`: the first event at once, the second when the test releases it;
 * WebSocket upgrades at `/api/v1/sessions/<id>/ws` echo every message back as `echo:<message>`.
 */
export class FakeUpstream {
  /** Resolves the pending stream's second event; set when a stream opens. */
  releaseStream: () => void = () => undefined;
  requests = 0;
  /** Headers of the last request that reached this server. */
  lastHeaders: http.IncomingHttpHeaders = {};
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly privateKey: KeyObject;
  private readonly jwk: Record<string, unknown>;

  constructor() {
    this.privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.jwk = {
      ...(createPublicKey(this.privateKey).export({ format: 'jwk' }) as Record<string, unknown>),
      kid: KID,
      alg: 'ES256',
      use: 'sig',
    };
  }

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('upstream not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
    server.on('upgrade', (req, socket, head) => {
      if (/^\/api\/v1\/sessions\/[^/]+\/ws$/.test((req.url ?? '').split('?')[0] ?? '')) {
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      } else {
        socket.destroy();
      }
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** An access token the gateways accept (signed with the key this server publishes). */
  token(sub: string = randomUUID()): string {
    return jwt.sign({ role: 'user' }, this.privateKey, {
      algorithm: 'ES256',
      keyid: KID,
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: sub,
      jwtid: randomUUID(),
      expiresIn: 300,
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    this.lastHeaders = req.headers;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/auth/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [this.jwk] }));
      return;
    }
    if (/^\/api\/v1\/sessions\/[^/]+\/stream$/.test(path)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\nevent: run_started\ndata: {"seq":1}\n\n');
      void new Promise<void>((resolve) => (this.releaseStream = resolve)).then(() => {
        res.write('id: 2\nevent: run_completed\ndata: {"seq":2}\n\n');
        res.end();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, path }));
  }
}
