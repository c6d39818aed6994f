import http from 'node:http';
import net from 'node:net';
import type { Express } from 'express';
import { createServiceApp } from './create-app';
import { Lifecycle, serve, type RunningService } from './lifecycle';
import { createLogger } from './logger';

/** What a brand-new connection to `url` gets (no pooled keep-alive socket): 'answered', or its error code. */
const connect = (url: string) =>
  new Promise<string>((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve('answered');
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });

const logger = createLogger({ service: 'kit-test', level: 'error', pretty: false });

interface Harness {
  running: RunningService;
  lifecycle: Lifecycle;
  events: string[];
  /** Resolves when the slow route has received its request. */
  arrived: Promise<void>;
}

async function start(shutdownTimeoutMs = 5000): Promise<Harness> {
  const lifecycle = new Lifecycle();
  const events: string[] = [];
  let markArrived!: () => void;
  const arrived = new Promise<void>((resolve) => (markArrived = resolve));
  const app: Express = createServiceApp({
    service: 'kit-test',
    version: '0.0.0',
    instanceId: 'kit-test-1',
    logger,
    isAccepting: lifecycle.isAccepting,
    routes: (a) => {
      a.get('/slow', async (_req, res) => {
        markArrived();
        await new Promise((resolve) => setTimeout(resolve, 300));
        events.push('slow answered');
        res.json({ done: true });
      });
      a.get('/hang', () => {
        markArrived();
      });
    },
  });
  lifecycle.onShutdown('first', () => {
    events.push('closed first');
  });
  lifecycle.onShutdown('second', async () => {
    await Promise.resolve();
    events.push('closed second');
  });
  lifecycle.onShutdown('broken', () => {
    throw new Error('close failed');
  });
  const running = await serve({ name: 'kit-test', app, port: 0, host: '127.0.0.1', logger, lifecycle, shutdownTimeoutMs });
  return { running, lifecycle, events, arrived };
}

describe('serve and shutdown', () => {
  it('lets an in-flight slow request finish, then closes dependencies in reverse order', async () => {
    const h = await start();
    const slow = fetch(`${h.running.url}/slow`);
    await h.arrived;
    const stopped = h.running.shutdown('test');
    expect(h.lifecycle.isAccepting()).toBe(false);

    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await stopped;
    expect(h.events).toEqual(['slow answered', 'closed second', 'closed first']);
    expect(await connect(`${h.running.url}/health`)).toBe('ECONNREFUSED');
  });

  it('refuses new connections as soon as draining starts', async () => {
    const h = await start();
    const slow = fetch(`${h.running.url}/slow`);
    await h.arrived;
    const stopped = h.running.shutdown('test');
    expect(await connect(`${h.running.url}/health`)).toBe('ECONNREFUSED');
    expect((await slow).status).toBe(200);
    await stopped;
  });

  it('cuts off a request that outlives the shutdown timeout instead of hanging', async () => {
    const h = await start(200);
    const hung = fetch(`${h.running.url}/hang`).then(
      () => 'answered',
      () => 'cut off',
    );
    await h.arrived;
    const started = Date.now();
    await h.running.shutdown('test');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await hung).toBe('cut off');
    expect(h.events).toEqual(['closed second', 'closed first']);
  });

  it('keeps idle keep-alive connections open a while, answering a request still sent on one with Connection: close', async () => {
    const h = await start(2000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; connection: string | undefined; port: number | undefined }>((resolve, reject) => {
        const req = http.get(`${h.running.url}/health`, { agent }, (res) => {
          const port = res.socket.localPort;
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, port }));
        });
        req.on('error', reject);
      });
    let stopped: Promise<void> | undefined;
    try {
      const first = await get();
      stopped = h.running.shutdown('test');
      // As a proxy that picked this idle connection just as draining began would: the request is answered.
      const second = await get();
      expect(second).toEqual({ status: 200, connection: 'close', port: first.port });
    } finally {
      agent.destroy();
      await (stopped ?? h.running.shutdown('test'));
    }
  });

  it('drains only once however often shutdown is called', async () => {
    const h = await start();
    await Promise.all([h.running.shutdown('a'), h.running.shutdown('b')]);
    await h.running.shutdown('c');
    expect(h.events).toEqual(['closed second', 'closed first']);
  });

  it.each([
    [
      'headers over the limit',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'VALIDATION_ERROR'],
    ['a header with no colon', 'GET /health HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n', 400, 'VALIDATION_ERROR'],
  ])('answers a request node cannot parse (%s) with the error envelope', async (_what, raw, status, code) => {
    const h = await start();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(h.running.port, '127.0.0.1', () => socket.end(raw));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    await h.running.shutdown('test');

    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${code}`);
    const requestId = /x-request-id: (\S+)/i.exec(head)?.[1];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(body)).toMatchObject({ error_code: code, request_id: requestId });
  });
});
