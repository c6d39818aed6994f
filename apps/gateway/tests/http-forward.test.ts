import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@platform/testing';
import { CLIENT_CLOSED, HttpForwarder } from '../src/services/http-forward';

/** A gateway-like server whose every request is forwarded to `origin`, reporting each forward's outcome. */
async function proxyTo(origin: string, timeoutMs: number) {
  const forwarder = new HttpForwarder(timeoutMs);
  const outcomes: Array<{ status?: number; code?: string }> = [];
  const server = http.createServer((req, res) => {
    forwarder.forward(req, res, origin).then(
      (status) => outcomes.push({ status }),
      (err: Error & { code?: string }) => {
        outcomes.push({ code: err.code });
        res.statusCode = 502;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, outcomes, close: () => new Promise<void>((resolve) => (forwarder.destroy(), server.close(() => resolve()))) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('HttpForwarder', () => {
  let upstream: http.Server;
  let origin = '';
  const upstreamSawClose: boolean[] = [];
  let upstreamArrivals = 0;

  beforeAll(async () => {
    // Answers once the request body has fully arrived; /silent never answers.
    upstream = http.createServer((req, res) => {
      upstreamArrivals++;
      req.on('close', () => upstreamSawClose.push(!res.writableFinished));
      if (req.url === '/silent') return;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('resolves with CLIENT_CLOSED, not an upstream failure, when the client leaves before the answer, and cancels the upstream request', async () => {
    const p = await proxyTo(origin, 5000);
    try {
      const req = http.request({ port: p.port, method: 'POST', path: '/slow', headers: { 'content-length': '100' } });
      req.on('error', () => undefined);
      const arrivalsBefore = upstreamArrivals;
      req.write('only part of the body');
      await until(() => upstreamArrivals > arrivalsBefore); // at the upstream, which waits for the rest
      expect(upstreamArrivals).toBe(arrivalsBefore + 1);
      req.destroy();
      await until(() => p.outcomes.length > 0);
      expect(p.outcomes).toEqual([{ status: CLIENT_CLOSED }]);
      await until(() => upstreamSawClose.length > 0);
      expect(upstreamSawClose.at(-1)).toBe(true);
    } finally {
      await p.close();
    }
  });

  it('rejects with ETIMEDOUT when the upstream does not answer in time', async () => {
    const p = await proxyTo(origin, 200);
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/silent`);
      expect(res.status).toBe(502);
      expect(p.outcomes).toEqual([{ code: 'ETIMEDOUT' }]);
    } finally {
      await p.close();
    }
  });

  it('rejects with ECONNREFUSED when nothing listens upstream', async () => {
    const p = await proxyTo(`http://127.0.0.1:${await freePort()}`, 1000);
    try {
      expect((await fetch(`http://127.0.0.1:${p.port}/x`)).status).toBe(502);
      expect(p.outcomes).toEqual([{ code: 'ECONNREFUSED' }]);
    } finally {
      await p.close();
    }
  });
});
