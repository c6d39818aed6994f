import childProcess from 'node:child_process';
import type { ServiceProcess } from './service-process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What a shared resource leaves behind once its Jest worker is gone: removed by the run's globalTeardown. */
export interface Leftovers {
  /** Processes to kill (they are also killed when the worker exits). */
  pids: number[];
  databases: Array<{ serverUrl: string; name: string }>;
  redisPrefixes: Array<{ url: string; prefix: string }>;
  dirs: string[];
}

interface Entry {
  value: Promise<unknown>;
  stop: () => Promise<void>;
  lastUsed: number;
}

/** The env var globalSetup sets to the directory where workers note their leftovers (tools/jest/global-setup.js). */
export const TEST_RUN_DIR_ENV = 'TEST_RUN_DIR';
/** At most this many shared resources stay up per worker; the least recently used one is stopped first. */
const MAX_PER_WORKER = 3;
const STORE = Symbol.for('@platform/testing:worker-shared');

/**
 * The worker's store. Jest gives every test file fresh modules and globals; Node's core modules are
 * the one thing every file of a worker sees as the same object, so the store hangs on one.
 */
function store(): Map<string, Entry> {
  const holder = childProcess as unknown as Record<symbol, Map<string, Entry> | undefined>;
  return (holder[STORE] ??= new Map());
}

/** Whether this run can share resources between test files: Jest's globalSetup has prepared a run directory. */
export function canShareAcrossFiles(): boolean {
  const dir = process.env[TEST_RUN_DIR_ENV];
  return dir !== undefined && dir !== '' && fs.existsSync(dir);
}

function noteLeftovers(leftovers: Leftovers): void {
  const dir = process.env[TEST_RUN_DIR_ENV];
  if (!dir) return;
  fs.writeFileSync(path.join(dir, `leftovers-${process.pid}-${randomBytes(4).toString('hex')}.json`), JSON.stringify(leftovers));
}

/**
 * The resource `key` names, made by `start` the first time a test file of this Jest worker asks for
 * it and handed to every later file of the worker that asks for the same key (a worker runs one file
 * at a time, so a file has it to itself while it runs). It lives until the worker ends: its processes
 * die with the worker and globalTeardown removes what `leftovers` lists. `stop` runs when the worker
 * needs room for another key. Returns undefined when the run cannot share (no globalSetup).
 */
export async function workerShared<T>(
  key: string,
  start: () => Promise<T>,
  cleanup: { stop: (value: T) => Promise<void>; leftovers: (value: T) => Leftovers },
): Promise<T | undefined> {
  if (!canShareAcrossFiles()) return undefined;
  const entries = store();
  let entry = entries.get(key);
  if (!entry) {
    await makeRoom(entries);
    const value = start().then((v) => {
      noteLeftovers(cleanup.leftovers(v));
      return v;
    });
    entry = { value, stop: async () => cleanup.stop(await value), lastUsed: Date.now() };
    entries.set(key, entry);
    // A failed start is not kept: the next file asking tries again.
    value.catch(() => entries.delete(key));
  }
  entry.lastUsed = Date.now();
  return (await entry.value) as T;
}

async function makeRoom(entries: Map<string, Entry>): Promise<void> {
  for (;;) {
    const oldest = [...entries].sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
    if (!oldest || entries.size < MAX_PER_WORKER) return;
    entries.delete(oldest[0]);
    await oldest[1].stop().catch(() => undefined);
  }
}

/**
 * A test file's handle on a process shared by the files of its worker: it reads like the process,
 * but refuses to stop, kill or restart it (the other files still need it). The process itself is
 * unref'd, so it does not keep the worker alive at the end (it is killed as the worker exits).
 */
export function sharedProcessView(proc: ServiceProcess): ServiceProcess {
  proc.unref();
  const refuse = (what: string) => () =>
    Promise.reject(new Error(`cannot ${what} a process shared by every test file of this worker; start one of your own for that`));
  return {
    url: proc.url,
    port: proc.port,
    get pid() {
      return proc.pid;
    },
    logs: () => [...proc.logs()],
    stop: refuse('stop'),
    kill: refuse('kill'),
    restart: refuse('restart'),
    unref: () => undefined,
  };
}
