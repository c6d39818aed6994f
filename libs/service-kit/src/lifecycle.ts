import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
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
  /** Called once the port is bound, with the URL the service can be reached at (e.g. to register). */
  afterListen?: (url: string) => RegistryRegistration | undefined | Promise<RegistryRegistration | undefined>;
  /** Called when draining starts, before the HTTP server closes (end streams, stop consumers). */
  beforeDrain?: () => Promise<void> | void;
  publicUrl?: string;
  /** Called with the HTTP server before it listens (e.g. to handle WebSocket upgrades). */
  onServer?: (server: http.Server) => void;
}

/** Binds the app and returns a handle whose `shutdown` drains in order: deregister, stop accepting, finish in-flight, close deps. */
export async function serve(o: ServeOptions): Promise<RunningService> {
  const server = http.createServer(o.app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('clientError', answerClientError);
  o.onServer?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = o.publicUrl ?? `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${port}`;
  o.logger.info(`${o.name} listening`, { url });
  server.on('request', (_req, res) => {
    if (!o.lifecycle.isAccepting()) res.setHeader('Connection', 'close');
  });
  const registration = await o.afterListen?.(url);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    shuttingDown ??= (async () => {
      o.logger.info('draining', { reason });
      o.lifecycle.stopAccepting();
      await registration?.stop();
      await o.beforeDrain?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), o.shutdownTimeoutMs).unref()),
      ]);
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

/** Entry point of every service: builds it, serves it, exits 1 on bad config, drains on SIGTERM/SIGINT. */
export function runMain(name: string, start: () => Promise<{ running: RunningService; logger: Logger }>): void {
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
    })
    .catch((err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`${name}: ${err.message}\n`);
      } else {
        process.stderr.write(`${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exit(1);
    });
}
