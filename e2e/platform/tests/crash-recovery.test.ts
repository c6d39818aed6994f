import fs from 'node:fs/promises';
import path from 'node:path';
import { RunSchema, type SessionEvent } from '@platform/contracts';
import type { SseStream } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import {
  SESSIONS,
  createSession,
  isTerminal,
  messagesOf,
  nextEvent,
  openStream,
  replayUntilEnd,
  runQuery,
  startQuery,
  toolCallsOf,
} from './support/sessions';

jest.setTimeout(120_000);

/**
 * kill -9 of the agent-runner during a run, through the gateway with every service a real process.
 * Small lock and stalled-check settings let the restarted runner take the run over within seconds;
 * the offline model is slowed down so the kill lands mid-stream.
 */
let platform: Platform;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-crash-recovery',
    sessions: true,
    // 250 ms a word: each kill below lands with 4-5 words (1-1.25 s) of the answer still to stream.
    runnerEnv: { OFFLINE_DELAY_MS: '250', LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000' },
  });
  owner = await signUp(platform.api, 'crash');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const token = () => owner.tokens.access_token;

async function sessionWithFiles(name: string) {
  const session = await createSession(owner.as, { name });
  const dir = path.join(platform.workdirRoot!, session.id);
  await fs.mkdir(path.join(dir, 'src'), { recursive: true });
  await fs.writeFile(path.join(dir, 'README.md'), '# crash test\n');
  return session;
}

/** Reads `stream` into `seen` until `done` holds. */
async function readUntil(stream: SseStream, seen: SessionEvent[], done: (es: SessionEvent[]) => boolean) {
  while (!done(seen)) seen.push(await nextEvent(stream, 30_000));
}

/**
 * SIGKILLs the runner and starts it again; returns ms from the kill to the first event of the resumed
 * attempt. Events the killed runner emitted that were still on their way are read first (they all
 * arrive long before a lock can expire).
 */
async function killAndRestart(stream: SseStream, seen: SessionEvent[]): Promise<{ ready: number; resumed: number }> {
  await platform.runner!.kill();
  const killed = performance.now();
  const restarting = platform.runner!.restart();
  for (;;) {
    const e = await nextEvent(stream, 300).catch(() => undefined);
    if (!e) break;
    seen.push(e);
  }
  await restarting;
  const ready = Math.round(performance.now() - killed);
  seen.push(await nextEvent(stream, 30_000));
  return { ready, resumed: Math.round(performance.now() - killed) };
}

const ofRun = (events: SessionEvent[], runId: string) => events.filter((e) => e.run_id === runId);
const collapsed = (events: SessionEvent[]) => events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
const textOf = (events: SessionEvent[]) =>
  events.flatMap((e) => (e.type === 'text_delta' ? [String(e.data.text)] : [])).join('');
const withoutIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/toolu_offline_\w+/g, 'ID')) as unknown;
const countOf = (events: SessionEvent[], type: string) => events.filter((e) => e.type === type).length;

describe('a runner killed with SIGKILL in the middle of a run', () => {
  it('resumes the run on the restarted runner and ends it exactly once, with no message, tool call or event twice', async () => {
    // The same query on a runner nobody kills: what the killed run must end up as.
    const reference = await sessionWithFiles('reference');
    const referenceRun = await runQuery(owner.as, reference.id, 'list the files');
    const expected = ofRun(
      await replayUntilEnd(platform.gateway.url, token(), reference.id, referenceRun.id),
      referenceRun.id,
    );

    const session = await sessionWithFiles('killed');
    const stream = await openStream(platform.gateway.url, token(), session.id);
    const seen: SessionEvent[] = [];
    let recovery: Array<{ ready: number; resumed: number }>;
    let runId: string;
    try {
      runId = (await startQuery(owner.as, session.id, 'list the files')).run_id;
      // First kill: while the first answer ("Listing the files in the working directory.", 7 words) streams.
      // Second: while the answer to the tool result ("The working directory contains: README.md, src/.", 6) streams.
      await readUntil(stream, seen, (es) => countOf(es, 'text_delta') >= 3);
      const first = await killAndRestart(stream, seen);
      await readUntil(stream, seen, (es) => {
        const toolMessage = es.findIndex((e) => e.type === 'message_complete' && e.data.role === 'tool');
        return toolMessage !== -1 && countOf(es.slice(toolMessage), 'text_delta') >= 1;
      });
      const second = await killAndRestart(stream, seen);
      await readUntil(stream, seen, (es) => es.some((e) => e.run_id === runId && isTerminal(e)));
      recovery = [first, second];
    } finally {
      stream.close();
    }
    console.info(
      `crash recovery through the platform (kill -> runner ready / first resumed event): ${JSON.stringify(recovery)} ms`,
    );

    const run = RunSchema.parse((await owner.as.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body);
    expect(run).toMatchObject({ status: 'completed', turns: 2, error: null, usage: referenceRun.usage });

    // The persisted log (a replay from the start), and what was streamed live, are each the reference run's.
    const events = ofRun(await replayUntilEnd(platform.gateway.url, token(), session.id, runId), runId);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(countOf(events, 'run_started')).toBe(1);
    expect(events.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
    expect(events.map((e) => e.type)).toEqual(expected.map((e) => e.type));
    expect(collapsed(events)).toEqual(collapsed(expected));
    expect(textOf(events)).toBe(textOf(expected));
    expect(ofRun(seen, runId).map((e) => e.seq)).toEqual(seqs);

    const messages = await messagesOf(owner.as, session.id);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const referenceMessages = await messagesOf(owner.as, reference.id);
    expect(withoutIds(messages.map((m) => m.content))).toEqual(withoutIds(referenceMessages.map((m) => m.content)));

    const toolCalls = await toolCallsOf(owner.as, session.id);
    expect(toolCalls).toHaveLength(1);
    expect(toolCalls[0]).toMatchObject({ tool: 'list_files', status: 'succeeded', decision: 'allow', is_error: false });
    expect(recovery[0]!.resumed).toBeLessThan(20_000);
  });
});
