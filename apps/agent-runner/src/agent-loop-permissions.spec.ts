import type { RunEventBody } from './events';
import { ParkRun } from './errors';
import { permissionRequestId } from './request-id';
import {
  FakeAnswers,
  FakeTools,
  RUN_ID,
  callTool,
  journalOf,
  reply,
  setup,
  totalsOf,
  type Step,
} from '../tests/support/loop-fixtures';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const write = () => callTool('w1', 'write_file', { path: 'notes.txt', content: 'hi' });
const script = (): Step[] => [write(), reply('Done.')];
const requestId = permissionRequestId(RUN_ID, 'w1');

/** The first attempt: asks, and parks. */
async function firstAttempt() {
  const attempt = setup(script(), { now: () => NOW });
  const parked = await attempt.run().catch((err: unknown) => err);
  return { parked, events: attempt.events.events };
}

/** A later attempt of the same run, at `now`, with sessions answering as `answers` says. */
async function resume(before: RunEventBody[], answers: FakeAnswers, now = NOW + 1000, allowedTools: string[] = []) {
  const tools = new FakeTools();
  const attempt = setup(script(), {
    tools,
    answers,
    now: () => now,
    journal: journalOf(before),
    totals: totalsOf(before),
    input: { policy: { mode: 'default', allowedTools, disallowedTools: [] } },
  });
  const result = await attempt.run().catch((err: unknown) => err);
  return { result, emitted: attempt.events.events, executed: tools.executed, reads: answers.reads };
}

const toolUseOf = (events: RunEventBody[]) => events.find((e) => e.type === 'tool_use');

describe('runAgentLoop asking for permission', () => {
  it('asks after the assistant message that holds the call, then parks without a decision or terminal event', async () => {
    const { parked, events } = await firstAttempt();
    expect(events.map((e) => e.type)).toEqual([
      'run_started',
      'text_delta',
      'text_delta',
      'message_complete',
      'permission_request',
    ]);
    expect(events.at(-1)).toEqual({
      type: 'permission_request',
      data: {
        request_id: requestId,
        tool_use_id: 'w1',
        tool: 'write_file',
        input: { path: 'notes.txt', content: 'hi' },
        expires_at: new Date(NOW + 60_000).toISOString(),
      },
    });
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parked).toBeInstanceOf(ParkRun);
    expect((parked as ParkRun).until).toBe(NOW + 5000);
  });

  it('runs the call once a person allows it, recording who decided, and finishes the run', async () => {
    const { events } = await firstAttempt();
    const answers = new FakeAnswers();
    answers.answers.set(requestId, { status: 'allowed', decided_by: '4b0c1a5e-0000-4000-8000-000000000001' });
    const { result, emitted, executed } = await resume(events, answers);
    expect(executed).toEqual(['write_file']);
    expect(emitted.map((e) => e.type)).toEqual([
      'tool_use',
      'tool_result',
      'message_complete',
      'text_delta',
      'text_delta',
      'message_complete',
      'run_completed',
    ]);
    expect(toolUseOf(emitted)?.data).toMatchObject({
      decision: 'allow',
      decided_by: 'user:4b0c1a5e-0000-4000-8000-000000000001',
      reason: null,
    });
    expect(result).toMatchObject({ status: 'completed', turns: 2 });
  });

  it('denies the call when a person says no, and the model hears it', async () => {
    const { events } = await firstAttempt();
    const answers = new FakeAnswers();
    answers.answers.set(requestId, { status: 'denied', decided_by: 'user:7' });
    const { emitted, executed } = await resume(events, answers);
    expect(executed).toEqual([]);
    expect(toolUseOf(emitted)?.data).toMatchObject({ decision: 'deny', decided_by: 'user:7' });
    expect(emitted.find((e) => e.type === 'tool_result')?.data).toMatchObject({ is_error: true });
  });

  it('parks again while the request is pending (or not recorded yet), until the poll or the deadline', async () => {
    const { events } = await firstAttempt();
    const unknown = await resume(events, new FakeAnswers());
    expect(unknown.result).toBeInstanceOf(ParkRun);
    expect(unknown.emitted).toEqual([]);
    const answers = new FakeAnswers();
    answers.answers.set(requestId, { status: 'pending' });
    const nearDeadline = await resume(events, answers, NOW + 58_000);
    expect((nearDeadline.result as ParkRun).until).toBe(NOW + 60_000 + 100);
  });

  it('denies on timeout when nobody answered before expires_at, and the run goes on', async () => {
    const { events } = await firstAttempt();
    const { result, emitted, executed } = await resume(events, new FakeAnswers(), NOW + 60_001);
    expect(executed).toEqual([]);
    expect(toolUseOf(emitted)?.data).toMatchObject({
      decision: 'deny',
      decided_by: 'timeout',
      reason: 'No answer within 1 min; the call was denied.',
    });
    expect(result).toMatchObject({ status: 'completed' });
  });

  it('uses the fresh session options: a tool remembered meanwhile is allowed without reading an answer', async () => {
    const { events } = await firstAttempt();
    const answers = new FakeAnswers();
    const { emitted, executed, reads } = await resume(events, answers, NOW + 1000, ['write_file']);
    expect(reads).toEqual([]);
    expect(executed).toEqual(['write_file']);
    expect(toolUseOf(emitted)?.data).toMatchObject({ decision: 'allow', decided_by: 'allowed_tools' });
  });

  it('asks about every call of the turn that needs a person at once, and resolves them in order', async () => {
    const twoWrites: Step = {
      content: [
        { type: 'tool_use', id: 'w1', name: 'write_file', input: { path: 'a', content: '1' } },
        { type: 'tool_use', id: 'l1', name: 'list_files', input: {} },
        { type: 'tool_use', id: 'w2', name: 'write_file', input: { path: 'b', content: '2' } },
      ],
      usage: { input_tokens: 1, output_tokens: 1 },
      stopReason: 'tool_use',
    };
    const first = setup([twoWrites, reply('ok')], { now: () => NOW });
    await expect(first.run()).rejects.toBeInstanceOf(ParkRun);
    const asked = first.events.events.filter((e) => e.type === 'permission_request');
    expect(asked.map((e) => e.data.tool_use_id)).toEqual(['w1', 'w2']);

    const answers = new FakeAnswers();
    answers.answers.set(requestId, { status: 'allowed', decided_by: 'u' });
    const second = setup([twoWrites, reply('ok')], {
      answers,
      now: () => NOW,
      journal: journalOf(first.events.events),
    });
    await expect(second.run()).rejects.toBeInstanceOf(ParkRun);
    expect(second.events.events.map((e) => e.type)).toEqual(['tool_use', 'tool_result', 'tool_use', 'tool_result']);
    expect(second.events.events.filter((e) => e.type === 'permission_request')).toEqual([]);

    // An attempt that died between the two requests: the next one sends the missing one, once.
    const firstOnly = first.events.events.slice(0, -1);
    const third = setup([twoWrites, reply('ok')], { now: () => NOW, journal: journalOf(firstOnly) });
    await expect(third.run()).rejects.toBeInstanceOf(ParkRun);
    expect(third.events.events).toEqual([first.events.events.at(-1)]);
  });
});
