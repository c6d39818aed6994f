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
  return send('GET', url, o);
}

/** A request of any method with an optional JSON body, with node:http (a chosen source address). */
export function send(method: string, url: string, o: GetOptions & { json?: unknown } = {}): Promise<HttpAnswer> {
  const body = o.json === undefined ? undefined : JSON.stringify(o.json);
  const headers = { ...o.headers, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, localAddress: o.localAddress, agent: o.agent, headers, timeout: o.timeoutMs ?? 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
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
