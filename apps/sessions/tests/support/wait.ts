/** Polls `check` until it returns true; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Polls `read` until `done(value)` holds and returns that value. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  let value: T | undefined;
  let seen = false;
  await waitUntil(
    what,
    async () => {
      value = await read();
      seen = true;
      return done(value);
    },
    timeoutMs,
  );
  if (!seen) throw new Error(`never read ${what}`);
  return value as T;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
