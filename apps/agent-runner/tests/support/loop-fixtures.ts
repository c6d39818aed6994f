import { setTimeout as sleep } from 'node:timers/promises';
import type { PermissionRequest, RunEvent, TextBlock, ToolUseBlock } from '@platform/contracts';
import { createLogger } from '@platform/service-kit';
import { runAgentLoop, type AgentLoopDeps, type AgentLoopInput } from '../../src/agent-loop';
import type { TurnBudget } from '../../src/budget';
import type { EventSink, RunEventBody } from '../../src/events';
import { HookRegistry, type RunContext, type RunHook, type RunTotals } from '../../src/hooks';
import type { PermissionAnswers } from '../../src/permission-answers';
import { PermissionGate } from '../../src/permission-gate';
import { RunJournal, stepOf } from '../../src/run-journal';
import type { ModelProvider, TurnRequest, TurnResult } from '../../src/providers/types';
import type { ToolExecutor, ToolOutcome } from '../../src/tools/registry';
import type { ToolKind } from '../../src/tools/types';

export type Step = TurnResult | Error | 'hang';

/**
 * A deterministic model: answers turn n (from the request id) with the n-th scripted step, streaming
 * each text block in two pieces; `hang` streams nothing and waits for the abort.
 */
export class ScriptedProvider implements ModelProvider {
  readonly name = 'offline' as const;
  readonly requests: TurnRequest[] = [];
  constructor(private readonly steps: Step[]) {}

  async streamTurn(req: TurnRequest): Promise<TurnResult> {
    this.requests.push({ ...req, messages: structuredClone(req.messages) });
    const step = this.steps[Number(req.requestId.split(':').at(-1)) - 1] ?? reply('(script ended)');
    if (step === 'hang') {
      await sleep(60_000, undefined, { signal: req.signal }).catch(() => undefined);
      throw req.signal.reason;
    }
    if (step instanceof Error) throw step;
    for (const block of step.content) {
      if (block.type === 'text') {
        const half = Math.ceil(block.text.length / 2);
        await req.onText(block.text.slice(0, half));
        await req.onText(block.text.slice(half));
      }
    }
    return structuredClone(step);
  }
}

export const usage = { input_tokens: 10, output_tokens: 5 };
export const reply = (text: string): TurnResult => ({
  content: [{ type: 'text', text }],
  usage,
  stopReason: 'end_turn',
});
export const callTool = (id: string, name: string, input: Record<string, unknown> = {}): TurnResult => ({
  content: [
    { type: 'text', text: `Calling ${name}.` } satisfies TextBlock,
    { type: 'tool_use', id, name, input } satisfies ToolUseBlock,
  ],
  usage,
  stopReason: 'tool_use',
});

export class FakeTools implements ToolExecutor {
  readonly executed: string[] = [];
  constructor(private readonly outcomes: Record<string, ToolOutcome | Error | 'hang'> = {}) {}
  specs() {
    return [{ name: 'list_files', description: 'list', inputSchema: { type: 'object' } }];
  }
  kindOf(name: string): ToolKind | undefined {
    return ({ list_files: 'read', read_file: 'read', write_file: 'write' } as Record<string, ToolKind>)[name];
  }
  async execute(name: string, _input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    this.executed.push(name);
    const outcome = this.outcomes[name] ?? { output: `${name} ok`, isError: false };
    if (outcome === 'hang') {
      await sleep(60_000, undefined, { signal }).catch(() => undefined);
      throw signal.reason;
    }
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

/** Keeps events in memory; with `halt`, refuses to write once it is aborted (as the run's writer does on a cancel). */
export class MemorySink implements EventSink {
  readonly events: RunEventBody[] = [];
  constructor(private readonly halt?: AbortSignal) {}
  async emit(event: RunEventBody): Promise<void> {
    if (this.halt?.aborted) throw this.halt.reason;
    this.events.push(event);
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
  terminal(): RunEventBody[] {
    return this.events.filter((e) => e.type === 'run_completed' || e.type === 'run_failed');
  }
}

/** Answers to permission requests, set by the test; unknown ids are "not recorded yet". */
export class FakeAnswers implements PermissionAnswers {
  readonly answers = new Map<string, Partial<PermissionRequest>>();
  readonly reads: string[] = [];
  async read(_sessionId: string, requestId: string): Promise<PermissionRequest | undefined> {
    this.reads.push(requestId);
    const answer = this.answers.get(requestId);
    return answer ? ({ status: 'pending', decided_by: null, ...answer } as PermissionRequest) : undefined;
  }
}

/** The journal a writer would have recorded for `events` (what a resumed attempt reads). */
export function journalOf(events: RunEventBody[]): RunJournal {
  const steps: Record<string, string> = {};
  let turns = 0;
  let started = false;
  let text = '';
  events.forEach((body, i) => {
    const event = { v: 1, session_id: SESSION_ID, run_id: RUN_ID, run_seq: i, ...body } as RunEvent;
    const step = stepOf(event, turns);
    if (step) steps[step.key] = step.value;
    if (event.type === 'run_started') started = true;
    if (event.type === 'text_delta') text += event.data.text;
    if (event.type === 'message_complete' && event.data.role === 'assistant') {
      turns += 1;
      text = '';
    }
  });
  return new RunJournal(started, steps, text);
}

export const RUN_ID = '5d6f4a6e-2f0b-4c39-9a59-3c7d7f0d1e01';
export const SESSION_ID = '0e7f3c2a-9b1d-4e5f-8a6b-7c8d9e0f1a2b';
export const silentLogger = createLogger({ service: 'agent-loop-spec', level: 'error', pretty: false });

export interface SetupOptions {
  input?: Partial<AgentLoopInput>;
  tools?: FakeTools;
  journal?: RunJournal;
  hooks?: RunHook[];
  answers?: FakeAnswers;
  cancelled?: () => boolean;
  now?: () => number;
  /** Totals the run starts from (a resumed attempt's, from its ledger). */
  totals?: RunTotals;
  /** The budget the loop asks before each model call. */
  budget?: TurnBudget;
}

/** The totals a ledger would hold after `events`, with the setup's price. */
export function totalsOf(events: RunEventBody[]): RunTotals {
  const totals: RunTotals = { usage: { input_tokens: 0, output_tokens: 0 }, turns: 0, costUsd: 0 };
  for (const e of events) {
    if (e.type !== 'message_complete' || e.data.role !== 'assistant' || !e.data.usage) continue;
    totals.turns += 1;
    totals.usage = {
      input_tokens: totals.usage.input_tokens + e.data.usage.input_tokens,
      output_tokens: totals.usage.output_tokens + e.data.usage.output_tokens,
    };
    totals.costUsd = totals.usage.input_tokens / 1000;
  }
  return totals;
}

/** A loop over scripted parts, with cost priced at 1/1000 dollar per input token. */
export function setup(steps: Step[], o: SetupOptions = {}) {
  const provider = new ScriptedProvider(steps);
  const controller = new AbortController();
  const events = new MemorySink(controller.signal);
  const tools = o.tools ?? new FakeTools();
  const answers = o.answers ?? new FakeAnswers();
  const hooks = new HookRegistry([
    { name: 'cost', afterQuery: (r, q) => void (r.totals.costUsd += r.costOf(q.usage)) },
    ...(o.hooks ?? []),
  ]);
  const journal = o.journal ?? RunJournal.EMPTY;
  const run: RunContext = {
    runId: RUN_ID,
    sessionId: SESSION_ID,
    provider: 'offline',
    model: 'scripted',
    totals: o.totals ?? { usage: { input_tokens: 0, output_tokens: 0 }, turns: 0, costUsd: 0 },
    costOf: (u) => u.input_tokens / 1000,
    log: silentLogger,
  };
  const deps: AgentLoopDeps = {
    provider,
    tools,
    events,
    hooks,
    permissions: new PermissionGate({ answers, timeoutMs: 60_000, pollMs: 5000, ...(o.now ? { now: o.now } : {}) }),
    checkCancelled: async () => {
      if (o.cancelled?.()) controller.abort(new Error('cancelled'));
      if (controller.signal.aborted) throw controller.signal.reason;
    },
    describeError: (e) => (e instanceof Error ? e.message : 'error'),
    // A fixed clock: a resumed run's events must equal an uninterrupted run's, `ended_at` included.
    now: () => new Date(o.now?.() ?? Date.parse('2026-01-01T00:00:00.000Z')),
    ...(o.budget ? { budget: o.budget } : {}),
  };
  const input: AgentLoopInput = {
    run,
    system: 'system prompt',
    history: [{ role: 'user', content: [{ type: 'text', text: 'do it' }] }],
    maxTurns: 5,
    maxTokens: 100,
    policy: { mode: 'default', allowedTools: [], disallowedTools: [] },
    signal: controller.signal,
    journal,
    ...o.input,
  };
  return { provider, events, tools, answers, controller, run: () => runAgentLoop(deps, input) };
}
