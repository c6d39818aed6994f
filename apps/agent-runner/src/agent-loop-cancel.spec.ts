import { setTimeout as sleep } from 'node:timers/promises';
import { RunCancelled } from './errors';
import { FakeTools, callTool, reply, setup } from '../tests/support/loop-fixtures';

describe('runAgentLoop cancelled', () => {
  it('aborts the model request in flight and emits nothing more', async () => {
    const { events, run, controller } = setup(['hang']);
    const running = run();
    await sleep(20);
    const emitted = events.events.length;
    controller.abort(new RunCancelled());
    await expect(running).rejects.toBeInstanceOf(RunCancelled);
    expect(events.events).toHaveLength(emitted);
    expect(events.types()).toEqual(['run_started']);
  });

  it('aborts a tool that is running: no tool_result, no further model call', async () => {
    const tools = new FakeTools({ list_files: 'hang' });
    const { events, provider, run, controller } = setup([callTool('t1', 'list_files'), reply('never')], { tools });
    const running = run();
    while (tools.executed.length === 0) await sleep(5);
    controller.abort(new RunCancelled());
    await expect(running).rejects.toBeInstanceOf(RunCancelled);
    expect(events.types().slice(-2)).toEqual(['message_complete', 'tool_use']);
    expect(provider.requests).toHaveLength(1);
  });

  it('looks at the cancel key before each tool call and runs no further tool once it is set', async () => {
    let cancelled = false;
    const tools = new FakeTools();
    const twoCalls = {
      content: [
        { type: 'tool_use' as const, id: 'a', name: 'list_files', input: {} },
        { type: 'tool_use' as const, id: 'b', name: 'read_file', input: { path: 'x' } },
      ],
      usage: { input_tokens: 1, output_tokens: 1 },
      stopReason: 'tool_use' as const,
    };
    jest.spyOn(tools, 'execute').mockImplementation(async (name) => {
      cancelled = true;
      return { output: `${name} ok`, isError: false };
    });
    const { events, run } = setup([twoCalls, reply('never')], { tools, cancelled: () => cancelled });
    await expect(run()).rejects.toThrow('cancelled');
    expect(events.events.filter((e) => e.type === 'tool_use').map((e) => e.data.tool_use_id)).toEqual(['a']);
    expect(tools.execute).toHaveBeenCalledTimes(1);
  });
});
