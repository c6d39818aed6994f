/** One service's `/ready` over time: each change of answer, on the caller's clock. */
export interface ReadinessTrace {
  /** `ready` is false for any answer but 200, and for no answer at all. */
  changes: Array<{ at: number; ready: boolean }>;
  polls: number;
  /** The last answer that was not ready (status and body, or the error). */
  lastNotReady?: string;
}

/**
 * Polls `GET /ready` of each service every `intervalMs` and records when the answer changes, so a test
 * can show readiness going false during a fault and true again after it, without anyone restarting.
 */
export class ReadinessWatch {
  private readonly traces: Record<string, ReadinessTrace> = {};
  private readonly loops: Array<Promise<void>> = [];
  private running = true;
  private stopped: Promise<Record<string, ReadinessTrace>> | undefined;

  constructor(
    services: Record<string, string>,
    private readonly now: () => number,
    private readonly intervalMs = 150,
  ) {
    for (const [name, url] of Object.entries(services)) {
      const trace: ReadinessTrace = { changes: [], polls: 0 };
      this.traces[name] = trace;
      this.loops.push(this.poll(url, trace));
    }
  }

  /** Whether every service's last answer was ready. */
  allReady(): boolean {
    return Object.values(this.traces).every((t) => t.changes.at(-1)?.ready === true);
  }

  /** Services whose last answer was not ready, with that answer. */
  notReady(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, t] of Object.entries(this.traces))
      if (t.changes.at(-1)?.ready !== true) out[name] = t.lastNotReady ?? 'no answer yet';
    return out;
  }

  /** Waits until every service answers ready; the failure names those that do not, and what they said. */
  async allReadyWithin(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.allReady()) {
      if (Date.now() > deadline)
        throw new Error(`not ready ${timeoutMs} ms later: ${JSON.stringify(this.notReady()).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops polling (safe to call again) and returns the traces. */
  stop(): Promise<Record<string, ReadinessTrace>> {
    this.running = false;
    this.stopped ??= Promise.all(this.loops).then(() => this.traces);
    return this.stopped;
  }

  private async poll(url: string, trace: ReadinessTrace): Promise<void> {
    while (this.running) {
      let ready = false;
      try {
        const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) });
        const body = await res.text();
        ready = res.status === 200;
        if (!ready) trace.lastNotReady = `${res.status} ${body.slice(0, 500)}`;
      } catch (err) {
        trace.lastNotReady = err instanceof Error ? err.message : String(err);
      }
      trace.polls++;
      if (trace.changes.at(-1)?.ready !== ready) trace.changes.push({ at: this.now(), ready });
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }
}

/** When `trace` first went not-ready at or after `from`, and when it was ready again after that. */
export function outageOf(trace: ReadinessTrace, from: number): { down_at?: number; up_at?: number } {
  const down = trace.changes.find((c) => c.at >= from && !c.ready);
  const up = down && trace.changes.find((c) => c.at > down.at && c.ready);
  return { ...(down ? { down_at: down.at } : {}), ...(up ? { up_at: up.at } : {}) };
}
