import fs from 'node:fs/promises';
import path from 'node:path';
import { QueryAcceptedResponseSchema, RunSchema } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, waitUntil, type Platform } from './support/platform';
import {
  SESSIONS,
  createSession,
  eventsUntilEnd,
  messagesOf,
  openStream,
  startQuery,
  textOf,
  toolCallsOf,
} from './support/sessions';
import { eventOf } from './support/run-control';

jest.setTimeout(60_000);

// The offline model waits this long before each word it streams: runs last long enough to act on.
const WORD_DELAY_MS = 500;
let platform: Platform;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-run-control-cancel',
    sessions: true,
    runnerEnv: { OFFLINE_DELAY_MS: String(WORD_DELAY_MS) },
  });
  owner = await signUp(platform.api, 'canceller');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** Runs the runner itself stopped because they were cancelled (its `agent_runs_total` counter). */
async function runnerCancelled(): Promise<number> {
  const text = await (await fetch(`${platform.runner!.url}/metrics`)).text();
  const line = /^agent_runs_total\{[^}]*outcome="cancelled"[^}]*\} (\d+)/m.exec(text);
  return Number(line?.[1] ?? 0);
}

const cancel = (sessionId: string, runId: string) => owner.as.post(`${SESSIONS}/${sessionId}/runs/${runId}/cancel`, {});
const fileOf = (sessionId: string, name: string) => path.join(platform.workdirRoot!, sessionId, name);

describe('cancelling a slow run', () => {
  it('stops it for real: cancelled, its tool never runs, no event after run_cancelled, and the next query works at once', async () => {
    const session = await createSession(owner.as, { name: 'cancel me', options: { permission_mode: 'accept_edits' } });
    const stream = await openStream(platform.gateway.url, owner.tokens.access_token, session.id);
    try {
      const { run_id: runId } = await startQuery(owner.as, session.id, 'write late.txt: should never be written');
      // The cancel goes out as the run starts: the model then takes two word delays (~1 s) to stream "Writing
      // late.txt." before its write_file call, time for the cancel to cross the gateway, sessions and Redis.
      await eventOf(stream, 'run_started', runId);

      const res = await cancel(session.id, runId);

      expect(res.status).toBe(200);
      expect(RunSchema.parse(res.body)).toMatchObject({ id: runId, status: 'cancelled' });
      const { event, before } = await eventOf(stream, 'run_cancelled', runId, 5000);
      expect(before.map((e) => e.type)).not.toContain('tool_use');
      expect(event.data).toMatchObject({ cancelled_by: `user:${owner.user.id}` });
      await waitUntil('the runner stops the run', async () => (await runnerCancelled()) >= 1, 5000);
      const next = await startQuery(owner.as, session.id, 'list the files');
      // After run_cancelled, only the next run's events arrive, and its listing shows no late.txt.
      const rest = await eventsUntilEnd(stream, next.run_id, 30_000);
      expect(rest.filter((e) => e.run_id === runId)).toEqual([]);
    } finally {
      stream.close();
    }
    await expect(fs.access(fileOf(session.id, 'late.txt'))).rejects.toThrow();
    expect((await toolCallsOf(owner.as, session.id)).map((c) => c.tool)).toEqual(['list_files']);
    expect((await messagesOf(owner.as, session.id)).map((m) => m.role)).toEqual([
      'user',
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
  });

  it('answers 409 for a run that already ended', async () => {
    const session = await createSession(owner.as, { name: 'done' });
    const { run_id } = await startQuery(owner.as, session.id, 'list the files');
    expect((await cancel(session.id, run_id)).status).toBe(200);

    const again = expectEnvelope(await cancel(session.id, run_id), 409, 'CONFLICT');
    expect(again.details).toMatchObject({ status: 'cancelled' });
  });
});

describe('one run at a time per session', () => {
  it('answers 409 RUN_IN_PROGRESS while a run is active, and with multitask "enqueue" runs the query right after', async () => {
    const session = await createSession(owner.as, { name: 'one at a time' });
    const stream = await openStream(platform.gateway.url, owner.tokens.access_token, session.id);
    try {
      const first = await startQuery(owner.as, session.id, 'list the files');
      await eventOf(stream, 'run_started', first.run_id);

      const refused = await owner.as.post(`${SESSIONS}/${session.id}/query`, { message: 'me too' });
      const queued = await owner.as.post(`${SESSIONS}/${session.id}/query`, {
        message: 'list the files',
        multitask: 'enqueue',
      });

      const envelope = expectEnvelope(refused, 409, 'RUN_IN_PROGRESS');
      expect(envelope.details).toMatchObject({ run_id: first.run_id });
      expect(queued.status).toBe(202);
      const second = QueryAcceptedResponseSchema.parse(queued.body);
      const events = await eventsUntilEnd(stream, second.run_id, 45_000);
      const order = events
        .filter((e) => ['run_started', 'run_completed'].includes(e.type))
        .map((e) => `${e.type}:${e.run_id === first.run_id ? 1 : 2}`);
      expect(order).toEqual(['run_completed:1', 'run_started:2', 'run_completed:2']);
    } finally {
      stream.close();
    }
    const texts = (await messagesOf(owner.as, session.id)).map((m) => `${m.role}:${textOf(m).slice(0, 14)}`);
    expect(texts).toEqual([
      'user:list the files',
      expect.stringMatching(/^assistant:/),
      'tool:',
      expect.stringMatching(/^assistant:/),
      'user:list the files',
      expect.stringMatching(/^assistant:/),
      'tool:',
      expect.stringMatching(/^assistant:/),
    ]);
  });

  it('deleting a session cancels its run: the runner stops working on it', async () => {
    const session = await createSession(owner.as, { name: 'deleted mid-run' });
    const stream = await openStream(platform.gateway.url, owner.tokens.access_token, session.id);
    const cancelledBefore = await runnerCancelled();
    let runId: string;
    try {
      runId = (await startQuery(owner.as, session.id, 'tell me everything you can do')).run_id;
      await eventOf(stream, 'text_delta', runId);

      expect((await owner.as.delete(`${SESSIONS}/${session.id}`)).status).toBe(204);
    } finally {
      stream.close();
    }
    await waitUntil('the runner stops the run', async () => (await runnerCancelled()) > cancelledBefore, 5000);
    expect((await owner.as.get(`${SESSIONS}/${session.id}/runs/${runId}`)).status).toBe(404);
  });
});
