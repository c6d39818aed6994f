import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GetOptions {
  /** Source address of the connection (any 127.x.y.z works on Linux loopback): a distinct client IP. */
  localAddress?: string;
  agent?: http.Agent;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** A GET with node:http (unlike fetch, it can choose the source address). */
export function get(url: string, o: GetOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      { localAddress: o.localAddress, agent: o.agent, headers: o.headers, timeout: o.timeoutMs ?? 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

export interface TrafficResult {
  ok: number;
  failures: string[];
}

export interface SteadyTraffic {
  /** Requests answered 200 so far. */
  readonly ok: number;
  stop(): Promise<TrafficResult>;
}

/**
 * `workers` loops of GET `url`, each pausing `pauseMs` between requests, until stop() (and never
 * longer than `maxMs`). Any answer other than 200, and any connection error, is a failure.
 */
export function steadyTraffic(url: string, o: { workers: number; pauseMs: number; maxMs: number }): SteadyTraffic {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.workers });
  const result: TrafficResult = { ok: 0, failures: [] };
  const deadline = Date.now() + o.maxMs;
  let stopped = false;
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      try {
        const r = await get(url, { agent });
        if (r.status === 200) result.ok++;
        else result.failures.push(`${r.status} ${r.body.slice(0, 200)}`);
      } catch (err) {
        result.failures.push(err instanceof Error ? err.message : String(err));
      }
      await new Promise((resolve) => setTimeout(resolve, o.pauseMs));
    }
  };
  const running = Promise.all(Array.from({ length: o.workers }, worker));
  return {
    get ok() {
      return result.ok;
    },
    stop: async () => {
      stopped = true;
      await running;
      agent.destroy();
      return result;
    },
  };
}
