import dns from 'node:dns';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { EgressDecision } from '@platform/contracts';
import type { AddressGuard, EgressAllowlist } from './egress-policy';

export type Resolve = (host: string) => Promise<string[]>;
const systemResolve: Resolve = async (host) => (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface EgressProxyOptions {
  socketPath: string;
  allowlist: EgressAllowlist;
  guard: AddressGuard;
  resolve?: Resolve;
  /** A proxied connection idle this long is closed. */
  idleTimeoutMs?: number;
  /** Connections one command may hold open at once. */
  maxConnections?: number;
}

const MAX_RECORDED = 100;

class Refused extends Error {}

/**
 * The only way out of a sandbox with a network allowlist: an HTTP proxy on a unix socket that is
 * mounted into that sandbox alone. It answers CONNECT (HTTPS and any TLS) and absolute-form HTTP
 * requests; each target must be on the allowlist by name and port, and the address it resolves to
 * must pass the guard (checked on the address actually connected to, so DNS cannot re-point an
 * allowed name inside). Hand-written rather than a proxy library: the check has to sit between
 * resolving and connecting, which the libraries tried do internally.
 */
export class EgressProxy {
  readonly decisions: EgressDecision[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly o: EgressProxyOptions,
    private readonly server: http.Server,
  ) {}

  static async start(o: EgressProxyOptions): Promise<EgressProxy> {
    const server = http.createServer();
    const proxy = new EgressProxy(o, server);
    server.maxConnections = o.maxConnections ?? 64;
    server.on('connection', (s: net.Socket) => proxy.track(s));
    server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void proxy.tunnel(req, socket, head));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void proxy.forward(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.socketPath, () => resolve());
    });
    // The sandbox's user is not this process's: it must be able to connect.
    await fs.chmod(o.socketPath, 0o666);
    return proxy;
  }

  /** Stops listening and cuts every connection the command still has. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await fs.rm(this.o.socketPath, { force: true });
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    s.setTimeout(this.o.idleTimeoutMs ?? 60_000, () => s.destroy());
  }

  /** Where a request may go: an allowed address of an allowed host and port, or Refused. */
  private async admit(host: string, port: number): Promise<string> {
    const record = (allowed: boolean, reason: string | null) => {
      const last = this.decisions.at(-1);
      const same = last && last.host === host && last.port === port && last.allowed === allowed;
      if (!same && this.decisions.length < MAX_RECORDED) this.decisions.push({ host, port, allowed, reason });
    };
    const refuse = (reason: string): never => {
      record(false, reason);
      throw new Refused(reason);
    };
    if (!Number.isInteger(port) || port < 1 || port > 65_535) refuse('not a valid port');
    if (!this.o.allowlist.allows(host, port)) refuse(`${host}:${port} is not on this session's network allowlist`);
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = net.isIP(bare) ? [bare] : await (this.o.resolve ?? systemResolve)(bare);
    } catch {
      return refuse(`${host} does not resolve`);
    }
    const address = addresses.find((a) => this.o.guard.permits(a));
    if (address === undefined) return refuse(`${host} resolves to a loopback, private, link-local or reserved address`);
    record(true, null);
    return address;
  }

  private async tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
    const target = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    try {
      if (!target) throw new Refused('CONNECT needs host:port');
      const address = await this.admit(target[1]!, Number(target[2]));
      const upstream = net.connect({ host: address, port: Number(target[2]) });
      this.track(upstream);
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
      client.on('error', () => upstream.destroy());
    } catch (err) {
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\n${reasonOf(err)}\n`);
    }
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('absolute http:// URLs only (use CONNECT for https)\n');
      return;
    }
    try {
      if (url.protocol !== 'http:') throw new Refused('plain requests must be http://; https goes through CONNECT');
      const port = Number(url.port || 80);
      const address = await this.admit(url.hostname, port);
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: url.host };
      for (const h of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']) delete headers[h];
      const upstream = http.request({ host: address, port, method: req.method, path: `${url.pathname}${url.search}`, headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
      req.pipe(upstream);
    } catch (err) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${reasonOf(err)}\n`);
    }
  }
}

const reasonOf = (err: unknown): string => (err instanceof Refused ? `refused: ${err.message}` : 'refused');
