import cluster from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { superviseWorkers, type ClusterOptions } from './cluster';
import { ConfigError } from './config';
import { errorFields, type Logger } from './logger';
import type { RegistryRegistration } from './registration';
import { answerClientError } from './upgrade';

/** Shared shutdown state: readiness turns false and keep-alive connections are closed once draining starts. */
export class Lifecycle {
  private accepting = true;
  private readonly hooks: Array<{ name: string; fn: () => Promise<void> | void }> = [];

  isAccepting = (): boolean => this.accepting;

  stopAccepting(): void {
    this.accepting = false;
  }

  /** Registers a closer run after in-flight requests finish (queues, pools, clients), in reverse order. */
  onShutdown(name: string, fn: () => Promise<void> | void): void {
    this.hooks.push({ name, fn });
  }

  /** Closers in reverse registration order, so later dependencies close first. */
  closers(): Array<{ name: string; fn: () => Promise<void> | void }> {
    return [...this.hooks].reverse();
  }
}

export interface RunningService {
  server: http.Server;
  url: string;
  port: number;
  /** Drains and stops the service as SIGTERM would (without exiting the process). */
  shutdown: (reason?: string) => Promise<void>;
}

export interface ServeOptions {
  name: string;
  app: Express;
  port: number;
  host: string;
  logger: Logger;
  lifecycle: Lifecycle;
  shutdownTimeoutMs: number;
  /**
   * How long idle keep-alive connections are left open once draining starts (default: half the
   * shutdown timeout, at most 5 s): time for a load balancer to stop using this instance.
   */
  idleGraceMs?: number;
  /** Called once the port is bound, with the URL the service can be reached at (e.g. to register). */
  afterListen?: (url: string) => RegistryRegistration | undefined | Promise<RegistryRegistration | undefined>;
  /** Called when draining starts, before the HTTP server closes (end streams, stop consumers). */
  beforeDrain?: () => Promise<void> | void;
  publicUrl?: string;
  /** Called with the HTTP server before it listens (e.g. to handle WebSocket upgrades). */
  onServer?: (server: http.Server) => void;
  /**
   * Longest a client may take to send a request's headers (then 408 and the connection closes). Default
   * 66 s (above the keep-alive timeout, for services behind the gateway); the gateway uses its edge's.
   */
  headersTimeoutMs?: number;
}

/** Binds the app and returns a handle whose `shutdown` drains in order: deregister, stop accepting, finish in-flight, close deps. */
export async function serve(o: ServeOptions): Promise<RunningService> {
  const headersTimeoutMs = o.headersTimeoutMs ?? 66_000;
  // Node checks the timeouts of open connections every `connectionsCheckingInterval` (30 s by default,
  // which would let a slow client hold a connection up to 30 s past the timeout).
  const server = http.createServer({ connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeoutMs / 4))) }, o.app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = headersTimeoutMs;
  server.on('clientError', answerClientError);
  o.onServer?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = o.publicUrl ?? `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${port}`;
  o.logger.info(`${o.name} listening`, { url });
  // Responses still to be written when draining starts close their connection too (see shutdown).
  const unanswered = new Set<http.ServerResponse>();
  // Before the app's own listener, which may answer synchronously.
  server.prependListener('request', (_req, res) => {
    if (!o.lifecycle.isAccepting()) res.setHeader('Connection', 'close');
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
  });
  const registration = await o.afterListen?.(url);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    shuttingDown ??= (async () => {
      o.logger.info('draining', { reason });
      o.lifecycle.stopAccepting();
      await registration?.stop();
      await o.beforeDrain?.();
      for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
      // A proxy may be sending a request on an idle keep-alive connection right now, and a request on a
      // connection the server closes is lost (a POST cannot be retried). So idle connections stay open for a
      // while: the proxy sees /ready fail and new connections refused and stops using this instance, and a
      // request that still comes is answered with `Connection: close` (race-free). Then idle ones are closed.
      // net.Server's close stops listening only; http.Server's (Node >= 19) also drops idle connections at once.
      const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      let idleSweep: NodeJS.Timeout | undefined;
      const grace = setTimeout(
        () => {
          server.closeIdleConnections();
          idleSweep = setInterval(() => server.closeIdleConnections(), 100);
        },
        o.idleGraceMs ?? Math.min(5000, Math.floor(o.shutdownTimeoutMs / 2)),
      );
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), o.shutdownTimeoutMs).unref()),
      ]);
      clearTimeout(grace);
      clearInterval(idleSweep);
      if (timedOut) {
        o.logger.warn('drain timed out; closing remaining connections', { timeout_ms: o.shutdownTimeoutMs });
        server.closeAllConnections();
      }
      for (const { name, fn } of o.lifecycle.closers()) {
        try {
          await fn();
        } catch (err) {
          o.logger.warn(`closing ${name} failed`, errorFields(err));
        }
      }
      o.logger.info('stopped');
    })();
    return shuttingDown;
  };
  return { server, url, port, shutdown };
}

/**
 * Entry point of every service: builds it, serves it, exits 1 on bad config, drains on SIGTERM/SIGINT.
 * `clustered` (read first, so bad config fails before anything forks): with more than one worker, this
 * process becomes the primary of that many workers (see cluster.ts), each of which runs `start`.
 */
export function runMain(
  name: string,
  start: () => Promise<{ running: RunningService; logger: Logger }>,
  clustered?: () => ClusterOptions,
): void {
  const fail = (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
    } else {
      process.stderr.write(`${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  };
  if (clustered && cluster.isPrimary) {
    let options: ClusterOptions;
    try {
      options = clustered();
    } catch (err) {
      fail(err);
      return;
    }
    if (options.workers > 1) {
      superviseWorkers(options);
      return;
    }
  }
  start()
    .then(({ running, logger }) => {
      const stop = (signal: string) => {
        running
          .shutdown(signal)
          .then(() => process.exit(0))
          .catch((err: unknown) => {
            logger.error('shutdown failed', errorFields(err));
            process.exit(1);
          });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      // A worker whose primary is gone (killed outright) drains and stops rather than live on unsupervised.
      if (cluster.isWorker) process.once('disconnect', () => stop('primary gone'));
    })
    .catch(fail);
}
