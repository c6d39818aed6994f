import {
  ChannelListResponseSchema,
  RunSchema,
  SessionListResponseSchema,
  SessionSchema,
  type SessionEvent,
} from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import {
  SESSIONS,
  createChannel,
  createSession,
  isTerminal,
  messagesOf,
  openStream,
  replayUntilEnd,
  runQuery,
  textOf,
  timedQuery,
  toolCallsOf,
  type TimedRun,
} from './support/sessions';

jest.setTimeout(30_000);

let platform: Platform;
let alice: Session;
// Others own the sessions of later describes: each user may hold 5 active sessions.
let writer: Session;
let forker: Session;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-sessions-flow', sessions: true, shared: true });
  [alice, writer, forker] = await Promise.all([
    signUp(platform.api, 'alice'),
    signUp(platform.api, 'writer'),
    signUp(platform.api, 'forker'),
  ]);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** Consecutive runs of one event type collapsed into one, so streamed text reads as a single step. */
const steps = (events: SessionEvent[]) => events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);

describe('a session in a channel, queried with the offline model', () => {
  it('creates a channel and a session in it, listed by the channel filter and the root channel list', async () => {
    const channel = await createChannel(alice.as, 'agents');

    const session = await createSession(alice.as, { name: 'in a channel', channel_id: channel.id });
    const inChannel = await alice.as.get(SESSIONS, { query: { channel_id: channel.id } });
    const rootChannels = await alice.as.get('/channels');

    expect(session).toMatchObject({
      channel_id: channel.id,
      status: 'active',
      mode: 'interactive',
      parent_session_id: null,
    });
    expect(session.totals).toEqual({ messages: 0, tool_calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 });
    expect(SessionListResponseSchema.parse(inChannel.body).items.map((s) => s.id)).toEqual([session.id]);
    expect(rootChannels.status).toBe(200);
    expect(ChannelListResponseSchema.parse(rootChannels.body).items.map((c) => c.id)).toContain(channel.id);
  });

  it('answers ?wait=true with the finished run, its usage and turns, and persists its messages and tool calls', async () => {
    const session = await createSession(alice.as, { name: 'wait' });

    const run = await runQuery(alice.as, session.id, 'list the files');

    expect(run).toMatchObject({
      session_id: session.id,
      status: 'completed',
      provider: 'offline',
      error: null,
      turns: 2,
    });
    expect(run.usage.input_tokens).toBeGreaterThan(0);
    expect(run.usage.output_tokens).toBeGreaterThan(0);
    expect(run.finished_at).not.toBeNull();
    expect(RunSchema.parse((await alice.as.get(`${SESSIONS}/${session.id}/runs/${run.id}`)).body)).toEqual(run);

    const messages = await messagesOf(alice.as, session.id);
    expect(messages.map((m) => [m.seq, m.role, m.run_id])).toEqual([
      [1, 'user', run.id],
      [2, 'assistant', run.id],
      [3, 'tool', run.id],
      [4, 'assistant', run.id],
    ]);
    expect(textOf(messages[0]!)).toBe('list the files');
    expect(messages[1]!.content).toContainEqual(expect.objectContaining({ type: 'tool_use', name: 'list_files' }));
    expect(textOf(messages[3]!)).toBe('The working directory is empty.');
    const calls = await toolCallsOf(alice.as, session.id);
    expect(calls).toEqual([
      expect.objectContaining({
        run_id: run.id,
        tool: 'list_files',
        input: { path: '.' },
        status: 'succeeded',
        decision: 'allow',
        is_error: false,
      }),
    ]);
    const totals = SessionSchema.parse((await alice.as.get(`${SESSIONS}/${session.id}`)).body).totals;
    expect(totals).toMatchObject({
      messages: 4,
      tool_calls: 1,
      input_tokens: run.usage.input_tokens,
      output_tokens: run.usage.output_tokens,
    });
  });

  it('streams each run over SSE in order: the run id on every event, consecutive seqs, one terminal run_completed', async () => {
    const session = await createSession(alice.as, { name: 'streamed' });
    const stream = await openStream(platform.gateway.url, alice.tokens.access_token, session.id);
    const runs: TimedRun[] = [];
    try {
      for (const message of ['list the files', 'hello there', 'search TODO'])
        runs.push(await timedQuery(alice.as, stream, session.id, message));
    } finally {
      stream.close();
    }
    console.info(
      'POST query -> SSE event latencies (ms)',
      runs.map((r) => ({
        message: r.message,
        first_event: r.at[0],
        first_message_complete: r.at[r.events.findIndex((e) => e.type === 'message_complete')],
        run_completed: r.at.at(-1),
      })),
    );

    const all = runs.flatMap((r) => r.events);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    for (const { runId, events } of runs) {
      expect(events.every((e) => e.run_id === runId && e.session_id === session.id)).toBe(true);
      expect(events[0]!.type).toBe('run_started');
      expect(events.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
      expect(events.at(-1)!.type).toBe('run_completed');
    }
    expect(steps(runs[0]!.events)).toEqual([
      'run_started',
      'text_delta',
      'message_complete',
      'tool_use',
      'tool_result',
      'message_complete',
      'text_delta',
      'message_complete',
      'run_completed',
    ]);
    expect(steps(runs[1]!.events)).toEqual(['run_started', 'text_delta', 'message_complete', 'run_completed']);
    // The log (a since=0 replay) holds exactly the events the live stream delivered.
    const replay = await replayUntilEnd(platform.gateway.url, alice.tokens.access_token, session.id, runs[2]!.runId);
    expect(replay).toEqual(all);
  });
});

describe('permissions of file tools', () => {
  // (In the default mode a write now asks a person first: the run-control tests cover that path.)
  it("denies a write the session's policy disallows with a reason, records the tool call as denied, and writes nothing", async () => {
    const session = await createSession(writer.as, { name: 'no writes', options: { disallowed_tools: ['write_file'] } });

    const run = await runQuery(writer.as, session.id, 'write notes.txt: not allowed');

    expect(run.status).toBe('completed');
    const [call] = await toolCallsOf(writer.as, session.id);
    expect(call).toMatchObject({
      tool: 'write_file',
      input: { path: 'notes.txt', content: 'not allowed' },
      status: 'denied',
      decision: 'deny',
      is_error: true,
    });
    expect(call!.decision_reason).toMatch(/write_file is in this session's disallowed_tools/);
    const answer = (await messagesOf(writer.as, session.id)).at(-1)!;
    expect(textOf(answer)).toMatch(/^The write_file call did not go through: Permission denied/);
    const read = await runQuery(writer.as, session.id, 'read notes.txt');
    expect(read.status).toBe('completed');
    expect((await toolCallsOf(writer.as, session.id))[1]).toMatchObject({
      tool: 'read_file',
      status: 'failed',
      is_error: true,
    });
  });

  it('allows the write in accept_edits, and a later read in the session sees the content', async () => {
    const session = await createSession(writer.as, {
      name: 'accept edits',
      options: { permission_mode: 'accept_edits' },
    });

    await runQuery(writer.as, session.id, 'write notes.txt: written by the agent');
    await runQuery(writer.as, session.id, 'read notes.txt');

    const calls = await toolCallsOf(writer.as, session.id);
    expect(calls.map((c) => [c.tool, c.status, c.decision])).toEqual([
      ['write_file', 'succeeded', 'allow'],
      ['read_file', 'succeeded', 'allow'],
    ]);
    expect(calls[1]!.output).toContain('written by the agent');
    expect(textOf((await messagesOf(writer.as, session.id)).at(-1)!)).toBe('Here is notes.txt:\nwritten by the agent');
  });
});

describe('fork', () => {
  it('copies the messages (same seqs and content, new ids) and the working directory; then parent and fork diverge', async () => {
    const parent = await createSession(forker.as, { name: 'parent', options: { permission_mode: 'accept_edits' } });
    await runQuery(forker.as, parent.id, 'write shared.txt: from the parent');

    const res = await forker.as.post(`${SESSIONS}/${parent.id}/fork`, { name: 'the fork' });

    expect(res.status).toBe(201);
    const fork = SessionSchema.parse(res.body);
    expect(fork).toMatchObject({
      name: 'the fork',
      parent_session_id: parent.id,
      options: { permission_mode: 'accept_edits' },
    });
    const [before, copied] = await Promise.all([messagesOf(forker.as, parent.id), messagesOf(forker.as, fork.id)]);
    expect(copied.map((m) => [m.seq, m.role, m.content])).toEqual(before.map((m) => [m.seq, m.role, m.content]));
    expect(copied.every((m) => m.session_id === fork.id)).toBe(true);
    expect(new Set([...before, ...copied].map((m) => m.id)).size).toBe(before.length * 2);

    await runQuery(forker.as, fork.id, 'read shared.txt');
    expect(textOf((await messagesOf(forker.as, fork.id)).at(-1)!)).toBe('Here is shared.txt:\nfrom the parent');

    await Promise.all([
      runQuery(forker.as, parent.id, 'write parent-only.txt: p'),
      runQuery(forker.as, fork.id, 'write fork-only.txt: f'),
    ]);
    await Promise.all([
      runQuery(forker.as, parent.id, 'list the files'),
      runQuery(forker.as, fork.id, 'list the files'),
    ]);
    const [parentMessages, forkMessages] = await Promise.all([
      messagesOf(forker.as, parent.id),
      messagesOf(forker.as, fork.id),
    ]);
    const texts = (ms: typeof parentMessages) => ms.filter((m) => m.role === 'user').map(textOf);
    expect(texts(parentMessages)).toEqual([
      'write shared.txt: from the parent',
      'write parent-only.txt: p',
      'list the files',
    ]);
    expect(texts(forkMessages)).toEqual([
      'write shared.txt: from the parent',
      'read shared.txt',
      'write fork-only.txt: f',
      'list the files',
    ]);
    expect(textOf(parentMessages.at(-1)!)).toBe('The working directory contains: parent-only.txt, shared.txt.');
    expect(textOf(forkMessages.at(-1)!)).toBe('The working directory contains: fork-only.txt, shared.txt.');
  });
});
