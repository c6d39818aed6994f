/**
 * Polling helpers for tests: wait for a condition that another process (or an event loop turn)
 * makes true, instead of sleeping for a guessed time.
 *
 * Both helpers check first and sleep afterwards, so a condition that already holds costs no wait,
 * and they check one last time at (or just after) the deadline before giving up. A check that
 * throws counts as "not yet" (a service that is still starting refuses connections, a row that is
 * not written yet fails a schema). The timeout error names `what`, the last error any check threw
 * and, for `eventually`, the last value read, so a failing test says what it was looking at.
 */

/** Default time `waitUntil` and `eventually` keep polling before they fail. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
/** Default pause between two checks. */
export const DEFAULT_WAIT_INTERVAL_MS = 50;

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every `intervalMs` until it returns (or resolves to) true.
 *
 * A `check` that throws or rejects is retried like one that returns false. After `timeoutMs`
 * rejects with an error naming `what` ("timed out after … ms waiting until <what>") and the
 * message of the last error a check threw, if any did.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
  intervalMs = DEFAULT_WAIT_INTERVAL_MS,
): Promise<void> {
  await poll(what, check, timeoutMs, intervalMs, () => '');
}

/**
 * Polls `read` every `intervalMs` until `done(value)` holds, and returns that value.
 *
 * A `read` (or `done`) that throws is retried. After `timeoutMs` rejects with an error naming
 * `what`, the last error thrown (if any) and the last value read (if any read succeeded).
 */
export async function eventually<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
  intervalMs = DEFAULT_WAIT_INTERVAL_MS,
): Promise<T> {
  let value: T | undefined;
  let seen = false;
  await poll(
    what,
    async () => {
      const current = await read();
      value = current;
      seen = true;
      return done(current);
    },
    timeoutMs,
    intervalMs,
    () => (seen ? ` (last value: ${describe(value)})` : ''),
  );
  return value as T;
}

/** The loop behind both helpers; `lastSeen` adds what the last successful check saw to the timeout message. */
async function poll(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs: number,
  lastSeen: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: { error: unknown } | undefined;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = { error };
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${errorMessage(lastError.error)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${why}${lastSeen()}`);
    }
    await sleep(intervalMs);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short, single-line rendering of a polled value for an error message. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
