import { randomBytes } from 'node:crypto';
import { InternalChannelCountResponseSchema, type RegisterInstanceRequest } from '@platform/contracts';
import {
  AppError,
  Lifecycle,
  createLogger,
  createMetrics,
  createServiceApp,
  serve,
  type RunningService,
} from '@platform/service-kit';

/** How the fake's `/ready` answers: 200; 503 with one of two checks failing; 503 with all failing; 200 after a delay. */
export type ReadyMode = 'ready' | 'impaired' | 'down' | 'slow';

const logger = createLogger({ service: 'fake-instance', level: 'error', pretty: false });

/**
 * A small real service instance (the platform's own app factory, so the same `/ready` and `/metrics`
 * documents) registered in the test registry, whose readiness a test can flip. It registers once
 * without heartbeats (the test registry's TTL outlives the test), so `crash()` leaves it registered.
 */
export class FakeInstance {
  mode: ReadyMode = 'ready';
  slowMs = 1500;
  /** What `/internal/channels/count` answers (fake channels); the bearer token it saw last. */
  channelsCount = 0;
  lastAuthorization: string | undefined;
  readonly instanceId: string;
  private running: RunningService | undefined;

  private constructor(
    readonly name: string,
    private readonly registry: { url: string; token: string },
  ) {
    this.instanceId = `${name}-${randomBytes(3).toString('hex')}`;
  }

  static async start(name: string, registry: { url: string; token: string }): Promise<FakeInstance> {
    const f = new FakeInstance(name, registry);
    await f.listen();
    try {
      await f.register();
    } catch (err) {
      await f.running?.shutdown('registration failed');
      throw err;
    }
    return f;
  }

  get url(): string {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.url;
  }

  private async listen(): Promise<void> {
    const lifecycle = new Lifecycle();
    const check = (name: string, failsIn: ReadyMode[]) => ({
      name,
      timeoutMs: 5000,
      check: async () => {
        if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
        if (failsIn.includes(this.mode)) throw new Error(`${name} unreachable`);
      },
    });
    const app = createServiceApp({
      service: this.name,
      version: '1.2.3',
      instanceId: this.instanceId,
      logger,
      metrics: createMetrics(this.name, { collectDefaults: false }),
      checks: [check('postgres', ['down']), check('redis', ['impaired', 'down'])],
      isAccepting: lifecycle.isAccepting,
      routes: (a) => {
        a.get('/work', (_req, res) => {
          res.json({ ok: true });
        });
        a.get('/internal/channels/count', (req, res) => {
          this.lastAuthorization = req.headers.authorization;
          if (this.mode === 'down') throw new AppError('SERVICE_UNAVAILABLE', 'Database unavailable');
          res.json(InternalChannelCountResponseSchema.parse({ count: this.channelsCount }));
        });
      },
    });
    this.running = await serve({
      name: this.name,
      app,
      port: 0,
      host: '127.0.0.1',
      logger,
      lifecycle,
      shutdownTimeoutMs: 1000,
    });
  }

  private async call(method: string, path: string, body?: RegisterInstanceRequest): Promise<Response> {
    return fetch(new URL(path, this.registry.url), {
      method,
      headers: { authorization: `Bearer ${this.registry.token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  }

  private async register(): Promise<void> {
    const res = await this.call('POST', '/registry/instances', {
      name: this.name,
      instance_id: this.instanceId,
      url: this.url,
      version: '1.2.3',
    });
    if (res.status !== 201) throw new Error(`registering ${this.name} answered ${res.status}: ${await res.text()}`);
  }

  /** Sends `n` requests to a real route, so its request metrics move. */
  async traffic(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await (await fetch(`${this.url}/work`)).text();
  }

  /** Deregisters, then stops (a graceful shutdown). */
  async stop(): Promise<void> {
    await this.call('DELETE', `/registry/instances/${this.name}/${this.instanceId}`);
    await this.running?.shutdown('test');
    this.running = undefined;
  }

  /** Stops answering without deregistering (a crash): the registry still lists it. */
  async crash(): Promise<void> {
    const server = this.running?.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
