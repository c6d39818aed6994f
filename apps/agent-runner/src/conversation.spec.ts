import { randomUUID } from 'node:crypto';
import type { ContentBlock, Message } from '@platform/contracts';
import { historyBefore, toConversation } from './conversation';
import { RunInputError } from './errors';

const sessionId = randomUUID();
const msg = (seq: number, role: Message['role'], content: ContentBlock[], runId: string | null = null): Message => ({
  id: randomUUID(),
  session_id: sessionId,
  run_id: runId,
  seq,
  role,
  content,
  created_at: new Date(0).toISOString(),
});

describe('toConversation', () => {
  it('orders messages by seq and keeps matched tool calls and results', () => {
    const history = [
      msg(3, 'tool', [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt', is_error: false }]),
      msg(1, 'user', [{ type: 'text', text: 'list' }]),
      msg(2, 'assistant', [{ type: 'tool_use', id: 't1', name: 'list_files', input: {} }]),
    ];
    expect(toConversation(history).map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('drops a tool call whose result never arrived (an interrupted attempt) and an orphan result', () => {
    const history = [
      msg(1, 'user', [{ type: 'text', text: 'read a' }]),
      msg(2, 'assistant', [
        { type: 'text', text: 'Reading a.' },
        { type: 'tool_use', id: 'lost', name: 'read_file', input: { path: 'a' } },
      ]),
      msg(3, 'tool', [{ type: 'tool_result', tool_use_id: 'orphan', content: 'x', is_error: false }]),
    ];
    expect(toConversation(history)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'read a' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Reading a.' }] },
    ]);
  });

  it('refuses a history without a user message', () => {
    expect(() => toConversation([])).toThrow(RunInputError);
  });
});

describe('historyBefore', () => {
  const text = (t: string): ContentBlock[] => [{ type: 'text', text: t }];
  it("ends at the run's own user message and leaves out the run's answers and later queries", () => {
    const earlier = randomUUID();
    const run = randomUUID();
    const next = randomUUID();
    const history = [
      msg(1, 'user', text('first'), earlier),
      msg(2, 'assistant', text('answer'), earlier),
      msg(3, 'user', text('second'), run),
      msg(4, 'assistant', text('partial answer'), run),
      msg(5, 'user', text('queued behind'), next),
    ];
    expect(historyBefore(history, run).map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("keeps everything but the run's answers when the run's user message is not tagged with it", () => {
    const run = randomUUID();
    const history = [msg(1, 'user', text('hi')), msg(2, 'assistant', text('partial'), run)];
    expect(historyBefore(history, run).map((m) => m.seq)).toEqual([1]);
  });
});
