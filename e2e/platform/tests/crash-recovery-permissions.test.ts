import fs from 'node:fs/promises';
import path from 'node:path';
import { PermissionRequestSchema, RunSchema, type SessionEvent } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import {
  SESSIONS,
  createSession,
  eventsUntilEnd,
  isTerminal,
  nextEvent,
  openStream,
  replayUntilEnd,
  startQuery,
  toolCallsOf,
} from './support/sessions';

jest.setTimeout(120_000);

/**
 * A run waiting for a person's permission lives in BullMQ (a delayed job) and sessions (the request),
 * not in the runner: a runner killed and restarted meanwhile takes the answer and finishes the run.
 * The runner polls only once a minute here, so the run resumes because sessions wakes it on the answer.
 */
let platform: Platform;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-crash-permissions',
    sessions: true,
    runnerEnv: { PERMISSION_POLL_MS: '60000', LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000' },
  });
  owner = await signUp(platform.api, 'asker');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const countOf = (events: SessionEvent[], type: string) => events.filter((e) => e.type === type).length;

describe('a permission wait across a runner kill -9', () => {
  it('keeps the run waiting while the runner is down, and the restarted runner runs the call once a person allows it', async () => {
    const session = await createSession(owner.as, { name: 'asks', options: { permission_mode: 'default' } });
    const stream = await openStream(platform.gateway.url, owner.tokens.access_token, session.id);
    let request: SessionEvent | undefined;
    let runId: string;
    try {
      runId = (await startQuery(owner.as, session.id, 'write notes.txt: remember the milk')).run_id;
      while (!request) {
        const e = await nextEvent(stream, 15_000);
        if (e.type === 'permission_request') request = e;
      }
      const waiting = RunSchema.parse((await owner.as.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body);
      expect(waiting.status).toBe('requires_action');

      await platform.runner!.kill();
      await platform.runner!.restart();
      const requestId = String(request.data.request_id);
      const answered = await owner.as.post(`${SESSIONS}/${session.id}/permissions/${requestId}`, { decision: 'allow' });
      expect(answered.status).toBe(200);
      expect(PermissionRequestSchema.parse(answered.body)).toMatchObject({ status: 'allowed', tool: 'write_file' });

      const rest = await eventsUntilEnd(stream, runId, 20_000);
      expect(rest.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
    } finally {
      stream.close();
    }

    const run = RunSchema.parse((await owner.as.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body);
    expect(run).toMatchObject({ status: 'completed', turns: 2 });
    await expect(fs.readFile(path.join(platform.workdirRoot!, session.id, 'notes.txt'), 'utf8')).resolves.toBe(
      'remember the milk',
    );
    const events = (await replayUntilEnd(platform.gateway.url, owner.tokens.access_token, session.id, runId)).filter(
      (e) => e.run_id === runId,
    );
    expect(countOf(events, 'run_started')).toBe(1);
    expect(countOf(events, 'permission_request')).toBe(1);
    expect(events.find((e) => e.type === 'tool_use')?.data).toMatchObject({
      decision: 'allow',
      decided_by: `user:${owner.user.id}`,
    });
    const toolCalls = await toolCallsOf(owner.as, session.id);
    expect(toolCalls).toEqual([
      expect.objectContaining({ tool: 'write_file', status: 'succeeded', decision: 'allow' }),
    ]);
  });
});
