import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger';

export interface RequestContext {
  requestId: string;
  logger: Logger;
  traceparent?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `ctx` as the current request context (request id and child logger). */
export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The context of the request being handled, if any; outgoing calls use it to propagate ids. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
