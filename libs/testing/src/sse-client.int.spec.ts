import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sseClient, SseHttpError } from './sse-client';
import { jsonRequest } from './json-request';

// A local server speaking text/event-stream: the "third party" these helpers are clients of.
let server: http.Server;
let base: string;
const seenLastEventIds: Array<string | undefined> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/stream') {
      seenLastEventIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': hello\n\n');
      let n = 0;
      const timer = setInterval(() => {
        n += 1;
        res.write(`id: ${n}\nevent: tick\ndata: {"n":${n}}\n\n`);
        if (n === 3) {
          clearInterval(timer);
          res.end();
        }
      }, 20);
      req.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      const timer = setTimeout(() => res.write('data: late\n\n'), 200);
      req.on('close', () => clearTimeout(timer));
      return;
    }
    if (req.url === '/json' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echoed: JSON.parse(body) as unknown, auth: req.headers.authorization ?? null }));
      });
      return;
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":"no"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('sseClient', () => {
  it('yields parsed events in order and finishes when the server ends the stream', async () => {
    const stream = await sseClient(`${base}/stream`, { 'last-event-id': '0' });
    const events = [];
    for await (const e of stream) events.push(e);
    expect(events).toEqual([1, 2, 3].map((n) => ({ id: String(n), event: 'tick', data: `{"n":${n}}` })));
    expect(stream.lastEventId).toBe('3');
    expect(seenLastEventIds).toContain('0');
  });

  it('take() collects events and next() rejects once the stream has ended', async () => {
    const stream = await sseClient(`${base}/stream`);
    expect((await stream.take(3)).map((e) => e.id)).toEqual(['1', '2', '3']);
    await expect(stream.next(1000)).rejects.toThrow(/ended/);
  });

  it('next() gives up after its timeout without losing the event that comes later', async () => {
    const stream = await sseClient(`${base}/slow`);
    await expect(stream.next(50)).rejects.toThrow(/within 50 ms/);
    expect((await stream.next(2000)).data).toBe('late');
    stream.close();
  });

  it('close() ends an open stream for its reader', async () => {
    const stream = await sseClient(`${base}/slow`);
    const reading = stream.next(5000);
    stream.close();
    await expect(reading).rejects.toThrow(/ended/);
    const rest = [];
    for await (const e of stream) rest.push(e);
    expect(rest).toEqual([]);
  });

  it('rejects with the status and body when the endpoint does not stream', async () => {
    const err = await sseClient(`${base}/nope`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SseHttpError);
    expect(err).toMatchObject({ status: 401, body: '{"error":"no"}' });
  });
});

describe('jsonRequest', () => {
  it('sends JSON with default headers and returns status, headers and the parsed body', async () => {
    const api = jsonRequest(base).withHeaders({ authorization: 'Bearer t' });
    const res = await api.post<{ echoed: unknown; auth: string }>('/json', { a: [1, 2] });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ echoed: { a: [1, 2] }, auth: 'Bearer t' });
  });

  it('never throws on an error status', async () => {
    const res = await jsonRequest(base).get('/missing');
    expect(res).toMatchObject({ status: 401, body: { error: 'no' } });
  });
});
