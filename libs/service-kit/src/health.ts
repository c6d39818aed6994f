import { Router } from 'express';
import type { DependencyCheck, HealthResponse, ReadyResponse } from '@platform/contracts';
import { AppError } from './errors';
import type { Metrics } from './metrics';

/** A readiness probe of one dependency: resolves when reachable, throws when not. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  timeoutMs?: number;
}

async function runCheck(c: ReadinessCheck): Promise<DependencyCheck> {
  const started = Date.now();
  const timeoutMs = c.timeoutMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: c.name, ok: true, latency_ms: Date.now() - started };
  } catch (err) {
    return { name: c.name, ok: false, latency_ms: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsRoutesOptions {
  service: string;
  version: string;
  instanceId: string;
  metrics: Metrics;
  checks: ReadinessCheck[];
  /** False once shutdown began: readiness fails so load balancers stop sending traffic. */
  isAccepting: () => boolean;
  /**
   * A service whose ops routes the public reaches (the gateway): `/health` leaves out the instance id and
   * `/ready` names failing checks without their errors (which can carry internal addresses).
   */
  public?: boolean;
  /** Extra fields of `/health` (the gateway adds a platform summary); must answer quickly and never throw. */
  healthDetails?: () => Promise<Record<string, unknown>>;
}

/** `/health` (alive), `/ready` (dependencies reachable, 503 otherwise) and `/metrics` (Prometheus). */
export function opsRoutes(o: OpsRoutesOptions): Router {
  const router = Router();
  const startedAt = Date.now();
  router.get('/health', async (_req, res) => {
    const extra = o.healthDetails ? await o.healthDetails() : {};
    const body: HealthResponse = {
      status: 'ok',
      service: o.service,
      version: o.version,
      ...(o.public ? {} : { instance_id: o.instanceId }),
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    };
    res.json({ ...body, ...extra });
  });
  router.get('/ready', async (_req, res) => {
    const checks = await Promise.all(o.checks.map(runCheck));
    if (!o.isAccepting()) checks.push({ name: 'shutdown', ok: false, latency_ms: 0, error: 'shutting down' });
    const ok = checks.every((c) => c.ok);
    const shown = o.public ? checks.map(({ error: _hidden, ...c }) => c) : checks;
    const body: ReadyResponse = { status: ok ? 'ready' : 'not_ready', service: o.service, checks: shown };
    res.status(ok ? 200 : 503).json(body);
  });
  router.get('/metrics', async (_req, res) => {
    let text: string;
    try {
      text = await (o.metrics.collect ? o.metrics.collect() : o.metrics.registry.metrics());
    } catch (err) {
      // A cluster worker whose primary did not answer in time: try again, not a server fault.
      throw new AppError('SERVICE_UNAVAILABLE', 'Metrics are not available right now, try again shortly', { headers: { 'Retry-After': '1' }, cause: err });
    }
    res.setHeader('Content-Type', o.metrics.registry.contentType);
    res.send(text);
  });
  return router;
}
