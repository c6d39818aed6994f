import http from 'node:http';
import { sleep } from './processes';

const POLL_MS = 200;
// A /ready answer runs the service's dependency checks, each bounded at 2 s.
const REQUEST_TIMEOUT_MS = 3000;

export type ReadyOutcome = { ready: true } | { ready: false; lastAnswer: string };

function getReady(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 2000)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

/** Polls `url` (a service's GET /ready) until it answers 200, `timeoutMs` passes or `signal` aborts. */
export async function waitForReady(url: string, timeoutMs: number, signal: AbortSignal): Promise<ReadyOutcome> {
  const deadline = Date.now() + timeoutMs;
  let lastAnswer = 'no answer yet';
  while (!signal.aborted) {
    try {
      const { status, body } = await getReady(url);
      if (status === 200) return { ready: true };
      lastAnswer = `${status} ${body.trim()}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      lastAnswer = code === 'ECONNREFUSED' ? 'connection refused (not listening yet)' : (err as Error).message;
    }
    if (Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  return { ready: false, lastAnswer };
}
