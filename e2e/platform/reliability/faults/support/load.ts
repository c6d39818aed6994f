/** One request the load sends: a name for the figures, and how to send it. */
export interface Operation {
  op: string;
  send: () => Promise<{ status: number; text: string; headers?: Headers }>;
}

/** What became of one request. `status` 0 means no HTTP answer at all (refused, reset, timed out). */
export interface Outcome {
  op: string;
  status: number;
  /** The envelope's `error_code`, when the answer was the platform's error envelope. */
  code?: string;
  /** Sent at, in ms after the load started. */
  at: number;
  ms: number;
  /** The first characters of the answer (or the network error) when it was not a 2xx. */
  detail?: string;
  /** The Retry-After header of a 503 answer. */
  retryAfter?: string;
}

export interface LoadOptions {
  /** Requests started per second (an open loop: a slow answer does not slow the sending down). */
  ratePerS: number;
  /** Past this many requests waiting for an answer, a tick sends nothing and counts as `skipped`. */
  maxInFlight: number;
  /** The i-th request to send. */
  next: (i: number) => Operation;
}

export interface LoadReport {
  outcomes: Outcome[];
  /** Ticks that sent nothing because `maxInFlight` requests were still waiting. */
  skipped: number;
  /** Named moments, in ms after the load started (fault injected, service back…). */
  marks: Record<string, number>;
  durationMs: number;
}

/** fetch's own message ("fetch failed") says nothing: its cause (ECONNRESET, "other side closed") does. */
function describeError(err: unknown): string {
  // Duck-typed: fetch's errors come from Node's realm, not the test sandbox's, so instanceof Error fails.
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  if (!e?.message) return String(err);
  const cause = e.cause ? ` (${[e.cause.code, e.cause.message].filter(Boolean).join(': ')})` : '';
  return `${e.name ?? 'Error'}: ${e.message}${cause}`;
}

function codeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error_code?: unknown };
    return typeof body.error_code === 'string' ? body.error_code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A steady stream of requests at `ratePerS` until stop(); every request and its outcome is kept, so a
 * test can assert on each one and the figures can be published.
 */
export class SteadyLoad {
  private readonly outcomes: Outcome[] = [];
  private readonly marks: Record<string, number> = {};
  private readonly inFlight = new Set<Promise<void>>();
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private skipped = 0;
  private count = 0;
  private stopped: Promise<LoadReport> | undefined;

  constructor(private readonly o: LoadOptions) {
    this.timer = setInterval(() => this.tick(), 1000 / o.ratePerS);
  }

  /** Milliseconds since the load started. */
  now(): number {
    return Math.round(performance.now() - this.started);
  }

  /** Records a named moment on the load's clock and returns it. */
  mark(name: string): number {
    this.marks[name] = this.now();
    return this.marks[name];
  }

  /** Outcomes so far (a snapshot). */
  seen(): Outcome[] {
    return [...this.outcomes];
  }

  /** Stops sending, waits for the answers still due, and reports (safe to call again: same report). */
  stop(): Promise<LoadReport> {
    clearInterval(this.timer);
    this.stopped ??= Promise.all(this.inFlight).then(() => ({
      outcomes: this.seen(),
      skipped: this.skipped,
      marks: { ...this.marks },
      durationMs: this.now(),
    }));
    return this.stopped;
  }

  private tick(): void {
    if (this.inFlight.size >= this.o.maxInFlight) {
      this.skipped++;
      return;
    }
    const operation = this.o.next(this.count++);
    const at = this.now();
    const done = operation
      .send()
      .then(
        (res): Outcome => {
          const code = res.status >= 400 ? codeOf(res.text) : undefined;
          const retryAfter = res.status === 503 ? res.headers?.get('retry-after') : undefined;
          return {
            op: operation.op,
            status: res.status,
            ...(code ? { code } : {}),
            at,
            ms: this.now() - at,
            ...(res.status >= 300 ? { detail: res.text.slice(0, 200) } : {}),
            ...(retryAfter ? { retryAfter } : {}),
          };
        },
        (err: unknown): Outcome => ({
          op: operation.op,
          status: 0,
          at,
          ms: this.now() - at,
          detail: describeError(err),
        }),
      )
      .then((outcome) => {
        this.outcomes.push(outcome);
        this.inFlight.delete(done);
      });
    this.inFlight.add(done);
  }
}

/** `{ "<op> <status>[ <code>]": count }` over `outcomes`, e.g. `{ "query 202": 310, "read 503 SERVICE_UNAVAILABLE": 41 }`. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) {
    const key = [o.op, String(o.status), ...(o.code ? [o.code] : [])].join(' ');
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** `{ "<status>": count }` over `outcomes`. */
export function byStatus(outcomes: Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[String(o.status)] = (out[String(o.status)] ?? 0) + 1;
  return out;
}

/** The outcomes of requests sent in [from, to) on the load's clock. */
export const sentBetween = (outcomes: Outcome[], from: number, to = Infinity): Outcome[] =>
  outcomes.filter((o) => o.at >= from && o.at < to);
