import type { ConversationMessage, TurnRequest } from './types';
import { OfflineProvider } from './offline';

const user = (text: string): ConversationMessage => ({ role: 'user', content: [{ type: 'text', text }] });

async function turn(messages: ConversationMessage[], requestId = 'run-1:1', maxTokens = 100) {
  const chunks: string[] = [];
  const req: TurnRequest = {
    requestId,
    model: 'offline-echo-1',
    system: 'be brief',
    messages,
    tools: [],
    maxTokens,
    signal: new AbortController().signal,
    onText: async (text) => void chunks.push(text),
  };
  return { result: await new OfflineProvider({ delayMs: 0 }).streamTurn(req), chunks };
}

describe('OfflineProvider', () => {
  it('streams its answer word by word and answers the same request the same way', async () => {
    const a = await turn([user('hello there')]);
    const b = await turn([user('hello there')]);
    expect(a).toEqual(b);
    expect(a.chunks.length).toBeGreaterThan(5);
    expect(a.chunks.join('')).toBe((a.result.content[0] as { text: string }).text);
    expect(a.result.stopReason).toBe('end_turn');
    expect(a.result.usage.input_tokens).toBeGreaterThan(0);
    expect(a.result.usage.output_tokens).toBe(Math.ceil(a.chunks.join('').length / 4));
  });

  it.each([
    ['please list the files', 'list_files', { path: '.' }],
    ['read notes/todo.md', 'read_file', { path: 'notes/todo.md' }],
    ['Read the file "a.txt".', 'read_file', { path: 'a.txt' }],
    ['write hello.txt: Hello, world!', 'write_file', { path: 'hello.txt', content: 'Hello, world!' }],
    ['write hello.txt with hi there', 'write_file', { path: 'hello.txt', content: 'hi there' }],
    ['search for TODO', 'search_files', { pattern: 'TODO' }],
  ])('turns "%s" into a %s call', async (text, name, input) => {
    const { result } = await turn([user(text)]);
    expect(result.stopReason).toBe('tool_use');
    expect(result.content[1]).toEqual({ type: 'tool_use', id: expect.stringMatching(/^toolu_offline_/), name, input });
  });

  it('derives tool-use ids from the request id: stable for a request, distinct across requests', async () => {
    const first = (await turn([user('list files')], 'run-1:1')).result.content[1];
    const again = (await turn([user('list files')], 'run-1:1')).result.content[1];
    const other = (await turn([user('list files')], 'run-2:1')).result.content[1];
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('summarises tool results, including errors', async () => {
    const messages: ConversationMessage[] = [
      user('list the files'),
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'list_files', input: { path: '.' } }] },
      { role: 'tool', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt\nsrc/', is_error: false }] },
    ];
    expect((await turn(messages)).result.content).toEqual([
      { type: 'text', text: 'The working directory contains: a.txt, src/.' },
    ]);
    const denied: ConversationMessage[] = [
      ...messages.slice(0, 2),
      {
        role: 'tool',
        content: [{ type: 'tool_result', tool_use_id: 't1', content: 'Permission denied: no', is_error: true }],
      },
    ];
    expect((await turn(denied)).result.content).toEqual([
      { type: 'text', text: 'The list_files call did not go through: Permission denied: no' },
    ]);
  });

  it('stops streaming when the run is aborted', async () => {
    const controller = new AbortController();
    const provider = new OfflineProvider({ delayMs: 20 });
    const chunks: string[] = [];
    const pending = provider.streamTurn({
      requestId: 'r:1',
      model: 'offline-echo-1',
      system: '',
      messages: [user('tell me a long story about nothing at all')],
      tools: [],
      maxTokens: 10,
      signal: controller.signal,
      onText: async (t) => void chunks.push(t),
    });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(pending).rejects.toThrow();
    expect(chunks.length).toBeLessThan(5);
  });

  it('stops at max_tokens like a real model: the text cut there, a tool call it had no room for dropped', async () => {
    const full = await turn([user('list the files')]);
    const capped = await turn([user('list the files')], 'run-1:1', 3);

    expect(full.result.stopReason).toBe('tool_use');
    expect(capped.result.stopReason).toBe('max_tokens');
    expect(capped.result.content).toEqual([{ type: 'text', text: capped.chunks.join('') }]);
    expect(capped.chunks.join('').length).toBeLessThanOrEqual(12);
    expect(capped.result.usage.output_tokens).toBeLessThanOrEqual(3);
  });
});
