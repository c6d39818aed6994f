import cluster, { type Worker } from 'node:cluster';
import client from 'prom-client';
import type { Logger } from './logger';

/**
 * Several processes of one service behind one port (node:cluster), for a service whose work is CPU on the
 * event loop (the gateway): the primary only supervises — it forks the workers, restarts one that dies,
 * passes SIGTERM on and exits once every worker has drained — and each worker is the ordinary service.
 * `/metrics` answered by any worker is the sum over all of them, so a scrape sees the whole instance.
 */
export interface ClusterOptions {
  workers: number;
  /** How long a worker may take to drain after SIGTERM before the primary kills it. */
  shutdownTimeoutMs: number;
  logger: Logger;
  /** Crashed workers restarted per minute at most; one more and the primary gives up (exit 1). */
  maxRestartsPerMinute?: number;
}

const METRICS_REQUEST = 'service-kit:cluster-metrics-request';
const METRICS_RESPONSE = 'service-kit:cluster-metrics-response';

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: forks and supervises the workers until SIGTERM/SIGINT, then drains them and exits. */
export function superviseWorkers(o: ClusterOptions): void {
  const aggregator = new client.AggregatorRegistry();
  const restarts: number[] = [];
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (!isMetricsRequest(m)) return;
      aggregator.clusterMetrics().then(
        (text) => send(worker, { type: METRICS_RESPONSE, id: m.id, text }),
        (err: unknown) => send(worker, { type: METRICS_RESPONSE, id: m.id, error: String(err) }),
      );
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        o.logger.info('every worker stopped');
        process.exit(exitCode);
      }
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && (restarts[0] ?? now) < now - 60_000) restarts.shift();
    if (restarts.length > (o.maxRestartsPerMinute ?? 10)) {
      o.logger.error('workers keep dying; giving up', { worker_pid: worker.process.pid, code, signal });
      stopAll('workers keep dying', 1);
      return;
    }
    o.logger.error('worker died; starting another', { worker_pid: worker.process.pid, code, signal });
    // Not unref'd: with every worker gone, this timer is what keeps the primary alive until the next one starts.
    setTimeout(() => {
      if (!stopping) fork();
    }, 500);
  });

  const stopAll = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    o.logger.info('stopping workers', { reason, workers: Object.keys(cluster.workers ?? {}).length });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
    setTimeout(() => {
      o.logger.error('workers did not stop in time; killing them');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, o.shutdownTimeoutMs + 5000).unref();
  };
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGINT'));

  o.logger.info('starting workers', { workers: o.workers });
  for (let i = 0; i < o.workers; i++) fork();
}

/**
 * In a worker: lets the primary read this worker's registry, and makes `collect` (used by `/metrics`)
 * answer with every worker's metrics summed, through the primary.
 */
export function clusterWorkerMetrics(registry: client.Registry): () => Promise<string> {
  client.AggregatorRegistry.setRegistries([registry]);
  // Constructing one adds prom-client's listener that answers the primary's requests for this worker's metrics.
  new client.AggregatorRegistry();
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  process.on('message', (m: unknown) => {
    if (!isMetricsResponse(m)) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.text !== undefined) p.resolve(m.text);
    else p.reject(new Error(m.error ?? 'no metrics'));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer with the metrics in time'));
      }, 6000);
      pending.set(id, { resolve, reject, timer });
      const request: MetricsRequest = { type: METRICS_REQUEST, id };
      process.send?.(request);
    });
}

function send(worker: Worker, m: MetricsResponse): void {
  if (worker.isConnected()) worker.send(m);
}

const isMetricsRequest = (m: unknown): m is MetricsRequest => (m as { type?: unknown } | null)?.type === METRICS_REQUEST;
const isMetricsResponse = (m: unknown): m is MetricsResponse => (m as { type?: unknown } | null)?.type === METRICS_RESPONSE;
