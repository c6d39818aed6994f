import { TERMINAL_EVENT_TYPES } from '@platform/contracts';
import { sseClient, type SseStream } from '@platform/testing';
import { call } from './accounts';
import { SESSIONS } from './agents-rig';

export interface RunTiming {
  /** From sending the query to the first event of its run on the session's stream (ms). */
  firstEventMs: number;
  /** From sending the query to its `message_complete` (ms); NaN when the run had none. */
  messageCompleteMs: number;
  terminalMs: number;
  terminal: string;
}

interface Seen {
  runId: string;
  type: string;
  at: number;
}

/**
 * One session's stream, read in the background: each event is noted with its arrival time, so a
 * run's events count even when they arrive before the query's 202 does.
 */
export class SessionDriver {
  private readonly seen: Seen[] = [];
  private wake: () => void = () => undefined;
  private closed = false;

  private constructor(
    private readonly gateway: string,
    private readonly token: string,
    readonly sessionId: string,
    private readonly stream: SseStream,
  ) {
    void this.read();
  }

  static async open(gateway: string, token: string, sessionId: string): Promise<SessionDriver> {
    const stream = await sseClient(`${gateway}${SESSIONS}/${sessionId}/stream`, { authorization: `Bearer ${token}` });
    return new SessionDriver(gateway, token, sessionId, stream);
  }

  private async read(): Promise<void> {
    try {
      for await (const raw of this.stream) {
        if (raw.event === 'heartbeat') continue;
        const e = JSON.parse(raw.data) as { run_id?: string; type: string };
        if (e.run_id) this.seen.push({ runId: e.run_id, type: e.type, at: performance.now() });
        this.wake();
      }
    } catch {
      // closed
    } finally {
      this.closed = true;
      this.wake();
    }
  }

  /** Sends one query and waits for its run's terminal event. */
  async run(message: string, timeoutMs = 30_000): Promise<RunTiming> {
    const sent = performance.now();
    const { run_id: runId } = await call<{ run_id: string }>(this.gateway, 'POST', `${SESSIONS}/${this.sessionId}/query`, { token: this.token, body: { message }, expect: 202 });
    const deadline = sent + timeoutMs;
    for (;;) {
      const mine = this.seen.filter((s) => s.runId === runId);
      const end = mine.find((s) => TERMINAL_EVENT_TYPES.includes(s.type));
      if (end) {
        this.seen.splice(0, this.seen.length, ...this.seen.filter((s) => s.runId !== runId));
        const complete = mine.find((s) => s.type === 'message_complete');
        return { firstEventMs: mine[0]!.at - sent, messageCompleteMs: complete ? complete.at - sent : Number.NaN, terminalMs: end.at - sent, terminal: end.type };
      }
      if (this.closed) throw new Error(`stream of session ${this.sessionId} ended before run ${runId} did`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`run ${runId} did not end within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.stream.close();
  }
}
