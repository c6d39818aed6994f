import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { Redis } from 'ioredis';
import { LineBuffer, freePort } from '@platform/testing';

/** A redis-server of this test file's own, on a free loopback port: the shared one is never touched. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, and wait for the exit: without persistence every key is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty) and resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it for good (SIGTERM). */
  stop(): Promise<void>;
  logs(): string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts `redis-server` on a free port, in memory only (`--save "" --appendonly no`): a restart is the
 * worst case, a Redis that comes back empty (no queue, no streams, no registrations).
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const logs = new LineBuffer(500);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let gone = false;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => (gone = true));
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => logs.push('stdout', c));
    proc.stderr?.setEncoding('utf8').on('data', (c: string) => logs.push('stderr', c));
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(url))) {
      if (gone) throw new Error(`redis-server exited on start:\n${logs.snapshot().join('\n')}`);
      if (Date.now() > deadline) throw new Error(`redis-server not answering on ${port} after 10 s`);
      await sleep(50);
    }
  };
  const signal = async (sig: NodeJS.Signals) => {
    child?.kill(sig);
    await exited;
  };

  await start();
  return {
    url,
    port,
    kill: () => signal('SIGKILL'),
    start,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await signal('SIGTERM');
    },
    logs: () => logs.snapshot(),
  };
}
