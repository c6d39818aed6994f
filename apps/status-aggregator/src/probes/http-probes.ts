import { ReadyResponseSchema } from '@platform/contracts';
import { isBreakerOpenError, type BreakerRegistry } from '@platform/service-client';
import type { ProbeOutcome } from '../domain/component-state';
import { countersFrom, METRIC_NAMES, type RequestCounters } from './request-counters';
import { parsePromText } from './prom-text';

/** Where to probe: an instance's base URL and its readiness path. */
export interface ProbeTarget {
  url: string;
  readyPath: string;
}

class ProbeFailure extends Error {}

// By name, not instanceof: fetch's DOMException may come from another realm (e.g. under Jest).
const isTimeout = (err: unknown) =>
  ['TimeoutError', 'AbortError'].includes((err as { name?: string } | null)?.name ?? '');

function reasonOf(err: unknown, timeoutMs: number): string {
  if (isBreakerOpenError(err)) return 'not probed: circuit breaker open after repeated failures';
  if (isTimeout(err)) return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string } } | null)?.cause;
  return cause?.code ? `connection failed: ${cause.code}` : err instanceof Error ? err.message : String(err);
}

/**
 * Readiness probes and metrics scrapes, each bounded by `timeoutMs` and run through a breaker per
 * instance URL: an instance that stops answering is reported down at once while its breaker is
 * open, instead of costing a timeout every poll. An answer of any status counts as success for the
 * breaker (a 503 is news about the instance, not a failure to reach it).
 */
export class HttpProbes {
  constructor(
    private readonly breakers: BreakerRegistry,
    private readonly timeoutMs: number,
  ) {}

  async ready(t: ProbeTarget): Promise<ProbeOutcome> {
    const started = Date.now();
    try {
      return await this.breakers.fire(`ready ${t.url}`, async () => {
        const res = await this.get(new URL(t.readyPath, t.url));
        const text = await res.text();
        const body = ReadyResponseSchema.safeParse(safeJson(text));
        return {
          kind: 'answered',
          status: res.status,
          body: body.success ? body.data : undefined,
          latencyMs: Date.now() - started,
        } as const;
      });
    } catch (err) {
      return { kind: 'failed', reason: reasonOf(err, this.timeoutMs), latencyMs: Date.now() - started };
    }
  }

  /** The instance's request counters from `/metrics`, or undefined when it could not be read. */
  async requestCounters(url: string): Promise<RequestCounters | undefined> {
    try {
      return await this.breakers.fire(`metrics ${url}`, async () => {
        const res = await this.get(new URL('/metrics', url));
        if (!res.ok) {
          await res.body?.cancel();
          throw new ProbeFailure(`metrics answered ${res.status}`);
        }
        return countersFrom(parsePromText(await res.text(), (name) => METRIC_NAMES.has(name)));
      });
    } catch {
      return undefined;
    }
  }

  private get(url: URL): Promise<Response> {
    return fetch(url, {
      headers: { accept: 'application/json, text/plain' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
