import type { Redis } from 'ioredis';
import type { RunEvent, Usage } from '@platform/contracts';

/**
 * What Redis remembers of a run between attempts (a retry, a hand-back, a parked wait, a crash):
 * the next sequence number, totals so far, retries used, whether run_started and a terminal event
 * went out. It is written in the same script as each event, so it always matches the stream.
 */
export interface RunLedger {
  nextSeq: number;
  usage: Usage;
  turns: number;
  retries: number;
  started: boolean;
  terminal: boolean;
}

export const EMPTY_LEDGER: RunLedger = {
  nextSeq: 0,
  usage: { input_tokens: 0, output_tokens: 0 },
  turns: 0,
  retries: 0,
  started: false,
  terminal: false,
};

/** `<stream>:run:<run_id>`, a hash beside the stream it describes. */
export const ledgerKey = (stream: string, runId: string): string => `${stream}:run:${runId}`;

/** The ledger hash and, beside it, the run's journal of steps and the text emitted for its unfinished turn. */
export const runKeys = (stream: string, runId: string) => {
  const ledger = ledgerKey(stream, runId);
  return { ledger, steps: `${ledger}:steps`, text: `${ledger}:text`, stream };
};
export type RunKeys = ReturnType<typeof runKeys>;

/** Reads a ledger hash (fields as ledgerFields writes them); a missing hash is the empty ledger. */
export function parseLedger(h: Record<string, string>): RunLedger {
  const n = (field: string) => Number(h[field] ?? 0) || 0;
  return {
    nextSeq: n('next_seq'),
    usage: { input_tokens: n('input_tokens'), output_tokens: n('output_tokens') },
    turns: n('turns'),
    retries: n('retries'),
    started: h.started === '1',
    terminal: h.terminal === '1',
  };
}

export async function loadLedger(redis: Redis, key: string): Promise<RunLedger> {
  return parseLedger(await redis.hgetall(key));
}

/** The ledger after `event` (which carries the sequence number it was written with). */
export function advance(ledger: RunLedger, event: RunEvent): RunLedger {
  const next: RunLedger = { ...ledger, nextSeq: event.run_seq + 1 };
  if (event.type === 'run_started') next.started = true;
  if (event.type === 'message_complete' && event.data.role === 'assistant') {
    const u = event.data.usage ?? { input_tokens: 0, output_tokens: 0 };
    next.usage = {
      input_tokens: ledger.usage.input_tokens + u.input_tokens,
      output_tokens: ledger.usage.output_tokens + u.output_tokens,
    };
    next.turns = ledger.turns + 1;
  }
  if (event.type === 'run_completed' || event.type === 'run_failed') next.terminal = true;
  return next;
}

export function ledgerFields(l: RunLedger): Record<string, string> {
  return {
    next_seq: String(l.nextSeq),
    input_tokens: String(l.usage.input_tokens),
    output_tokens: String(l.usage.output_tokens),
    turns: String(l.turns),
    retries: String(l.retries),
    started: l.started ? '1' : '0',
    terminal: l.terminal ? '1' : '0',
  };
}
