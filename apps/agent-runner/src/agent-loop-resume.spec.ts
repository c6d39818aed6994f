import type { RunEventBody } from './events';
import { FakeTools, callTool, journalOf, reply, setup, totalsOf, type Step } from '../tests/support/loop-fixtures';

const script = (): Step[] => [
  callTool('t1', 'list_files', { path: '.' }),
  callTool('t2', 'read_file', { path: 'a.txt' }),
  reply('All done.'),
];

/** The events of an uninterrupted run of `script`, and how often each tool ran. */
async function uninterrupted() {
  const tools = new FakeTools();
  const { events, run } = setup(script(), { tools });
  await run();
  return { events: events.events, executed: tools.executed };
}

/** A second attempt that starts from the journal and totals of `before` (what the first attempt emitted). */
async function resumeAfter(before: RunEventBody[]) {
  const tools = new FakeTools();
  const attempt = setup(script(), { tools, journal: journalOf(before), totals: totalsOf(before) });
  const outcome = await attempt.run();
  return { outcome, emitted: attempt.events.events, executed: tools.executed, provider: attempt.provider };
}

describe('runAgentLoop resuming an interrupted run', () => {
  it('emits exactly the missing events wherever the first attempt stopped', async () => {
    const full = await uninterrupted();
    // A cut after every event: the first attempt emitted events[0..cut) and died.
    for (let cut = 1; cut < full.events.length; cut++) {
      const before = full.events.slice(0, cut);
      const { emitted } = await resumeAfter(before);
      expect({ cut, events: [...before, ...emitted] }).toEqual({ cut, events: full.events });
    }
  });

  it('does not send run_started again, nor call the model for turns that were finished', async () => {
    const full = await uninterrupted();
    const secondTurnDone = full.events.findIndex(
      (e) => e.type === 'message_complete' && e.data.role === 'assistant' && e.data.turn === 2,
    );
    const { emitted, provider } = await resumeAfter(full.events.slice(0, secondTurnDone + 1));
    expect(emitted.map((e) => e.type)).not.toContain('run_started');
    expect(emitted[0]).toMatchObject({ type: 'tool_use', data: { tool_use_id: 't2' } });
    expect(provider.requests.map((r) => r.requestId.split(':')[1])).toEqual(['3']);
  });

  it('runs a tool again only when its result had not gone out, and never announces its decision twice', async () => {
    const full = await uninterrupted();
    const decided = full.events.findIndex((e) => e.type === 'tool_use' && e.data.tool_use_id === 't2');
    const afterDecision = await resumeAfter(full.events.slice(0, decided + 1));
    expect(afterDecision.executed).toEqual(['read_file']);
    expect(afterDecision.emitted[0]).toMatchObject({ type: 'tool_result', data: { tool_use_id: 't2' } });

    const afterResult = await resumeAfter(full.events.slice(0, decided + 2));
    expect(afterResult.executed).toEqual([]);
    expect(afterResult.emitted[0]).toMatchObject({ type: 'message_complete', data: { role: 'tool', turn: 2 } });
  });

  it('skips the text already streamed for a turn cut short and streams only the rest', async () => {
    const full = await uninterrupted();
    // The last turn's text goes out in two pieces just before its message_complete: stop after the first.
    const lastMessage = full.events.length - 2;
    expect(full.events.slice(lastMessage - 2, lastMessage).map((e) => e.type)).toEqual(['text_delta', 'text_delta']);
    const before = full.events.slice(0, lastMessage - 1);
    const { emitted, outcome } = await resumeAfter(before);
    expect(emitted.map((e) => e.type)).toEqual(['text_delta', 'message_complete', 'run_completed']);
    const streamed = [...before.slice(lastMessage - 2), ...emitted].flatMap((e) =>
      e.type === 'text_delta' ? [e.data.text] : [],
    );
    expect(streamed.join('')).toBe('All done.');
    expect(outcome).toMatchObject({ status: 'completed', turns: 3, usage: { input_tokens: 30, output_tokens: 15 } });
  });

  it('continues the totals of earlier attempts in its terminal event', async () => {
    const full = await uninterrupted();
    const { outcome } = await resumeAfter(full.events.slice(0, 4));
    expect(outcome).toEqual({
      status: 'completed',
      stopReason: 'end_turn',
      usage: { input_tokens: 30, output_tokens: 15 },
      costUsd: 0.03,
      turns: 3,
    });
  });
});
