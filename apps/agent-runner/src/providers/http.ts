import type { ProviderName } from '@platform/contracts';
import { ProviderError } from './types';
import { readSse, type SseMessage } from './sse';

export interface SseCall {
  provider: ProviderName;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** The run's signal: aborting it rejects with its reason, untouched. */
  signal: AbortSignal;
  timeoutMs: number;
}

/** Statuses worth another try later: timeouts, conflicts, rate limits, server errors and overload (Anthropic's 529). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** POSTs a JSON body and hands each server-sent event to `onMessage`; transport failures become ProviderErrors. */
export async function streamSse(call: SseCall, onMessage: (m: SseMessage) => Promise<void>): Promise<void> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  const transportError = (err: unknown): unknown => {
    if (call.signal.aborted) return call.signal.reason;
    if (timeout.aborted) {
      return new ProviderError(call.provider, `${call.provider} did not finish within ${call.timeoutMs} ms`, {
        retryable: true,
        cause: err,
      });
    }
    return new ProviderError(call.provider, `${call.provider} connection failed: ${causeOf(err)}`, {
      retryable: true,
      cause: err,
    });
  };
  let res: Response;
  try {
    res = await fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...call.headers },
      body: JSON.stringify(call.body),
      signal,
    });
  } catch (err) {
    throw transportError(err);
  }
  if (!res.ok || !res.body) throw await errorOf(call.provider, res);
  const messages = readSse(res.body);
  try {
    for (;;) {
      let next: IteratorResult<SseMessage>;
      try {
        next = await messages.next();
      } catch (err) {
        throw transportError(err);
      }
      if (next.done) return;
      // The handler's own errors (a stream error event, a failed event write) pass through as they are.
      await onMessage(next.value);
    }
  } finally {
    await messages.return(undefined).catch(() => undefined);
  }
}

async function errorOf(provider: ProviderName, res: Response): Promise<ProviderError> {
  const text = await res.text().catch(() => '');
  const detail = messageIn(text) ?? (text.slice(0, 300) || res.statusText);
  return new ProviderError(provider, `${provider} answered ${res.status}: ${detail}`, {
    retryable: isRetryableStatus(res.status),
    status: res.status,
  });
}

/** `error.message` of an Anthropic or OpenAI error body. */
export function messageIn(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.error?.message === 'string') return body.error.message;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: the caller falls back to the raw text
  }
  return undefined;
}

/** Parses one event's JSON; a malformed one is the provider's fault and will not get better on retry. */
export function parseData<T>(provider: ProviderName, data: string): T {
  try {
    return JSON.parse(data) as T;
  } catch (err) {
    throw new ProviderError(provider, `${provider} sent a malformed stream event: ${data.slice(0, 200)}`, {
      retryable: false,
      cause: err,
    });
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
