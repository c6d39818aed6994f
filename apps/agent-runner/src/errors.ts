import { UpstreamTimeoutError, UpstreamUnavailableError, isAppError } from '@platform/service-kit';
import { ProviderError } from './providers/types';

/** The run cannot succeed as asked (provider not configured here, no user message): fails at once, no retry. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunInputError';
  }
}

/** Writing to the event stream failed; nothing may be emitted after it, but trying the run again later is safe. */
export class EventStoreError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EventStoreError';
  }
}

/** Abort reason when the worker shuts down before a run finished: the run goes back to the queue for another worker. */
export class HandBack extends Error {
  constructor() {
    super('worker shutting down; run handed back to the queue');
    this.name = 'HandBack';
  }
}

/** Thrown by the run service when the run should be attempted again after `delayMs` (the worker re-queues it). */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    readonly attempt: number,
    cause: unknown,
  ) {
    super(`retrying in ${delayMs} ms: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RetryLater';
  }
}

/** Abort reason of a run a person cancelled: it stops at once and emits nothing more (sessions records run_cancelled). */
export class RunCancelled extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'RunCancelled';
  }
}

/** The run waits for a person's answer: the job sleeps until `until` (or until sessions promotes it), using no attempt. */
export class ParkRun extends Error {
  constructor(
    readonly until: number,
    readonly requestIds: readonly string[],
  ) {
    super(`waiting for a permission answer (${requestIds.join(', ')})`);
    this.name = 'ParkRun';
  }
}

/** Another attempt of the same run took it over (this one lost its job lock): this one must stop writing. */
export class SupersededError extends Error {
  constructor() {
    super('another attempt now owns this run');
    this.name = 'SupersededError';
  }
}

/** True for failures that may go away on their own: model overload/rate limits/network, sessions unavailable, Redis. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ProviderError) return err.retryable;
  return (
    err instanceof EventStoreError || err instanceof UpstreamUnavailableError || err instanceof UpstreamTimeoutError
  );
}

/** Failures that are part of normal operation (a model's 4xx, a misconfigured session), as opposed to bugs. */
export function isExpected(err: unknown): boolean {
  return err instanceof ProviderError || err instanceof RunInputError || isAppError(err);
}

/** What a run_failed event says: the error's own message when it is meant for people, else a generic one. */
export function publicMessage(err: unknown): string {
  if (isExpected(err) && err instanceof Error) return err.message;
  return 'The agent runner hit an internal error';
}
