import { signUp, type Session } from './support/accounts';
import { startPlatform, waitUntil, type Platform } from './support/platform';
import {
  SESSIONS,
  createSession,
  isTerminal,
  messagesOf,
  replayUntilEnd,
  startQuery,
  textOf,
} from './support/sessions';
import { countTypes, getRun, runReaches } from './support/run-control';

jest.setTimeout(90_000);

/**
 * sessions is killed (SIGKILL: no drain, no acknowledgements) while a run streams its events into the
 * Redis Stream; the restarted instance re-reads what was delivered but never acknowledged and goes on.
 * The run must end once, with every event, message and counter exactly once.
 */
let platform: Platform;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-run-control-recovery',
    sessions: true,
    runnerEnv: { OFFLINE_DELAY_MS: '60' },
  });
  owner = await signUp(platform.api, 'survivor');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

describe('sessions killed mid-run', () => {
  it('picks the event stream up again after a restart: the run ends once, nothing duplicated or lost', async () => {
    const session = await createSession(owner.as, { name: 'survives' });
    const { run_id: runId } = await startQuery(owner.as, session.id, 'tell me what you can do, in many words please');
    await runReaches(owner.as, session.id, runId, 'running');
    await new Promise((r) => setTimeout(r, 700));

    await platform.sessions!.kill();
    // The runner keeps writing while sessions is down.
    await new Promise((r) => setTimeout(r, 1500));
    await platform.sessions!.restart();

    await waitUntil(
      'the run completes',
      async () => {
        const res = await owner.as.get(`${SESSIONS}/${session.id}/runs/${runId}`);
        return res.status === 200 && (res.body as { status?: string }).status === 'completed';
      },
      30_000,
      200,
    );
    const events = await replayUntilEnd(platform.gateway.url, owner.tokens.access_token, session.id, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(countTypes(events)).toMatchObject({ run_started: 1, message_complete: 1, run_completed: 1 });
    expect(events.filter(isTerminal)).toHaveLength(1);
    const messages = await messagesOf(owner.as, session.id);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const streamed = events
      .filter((e) => e.type === 'text_delta')
      .map((e) => String(e.data.text))
      .join('');
    expect(streamed).toBe(textOf(messages[1]!));
    const run = await getRun(owner.as, session.id, runId);
    expect(run).toMatchObject({ status: 'completed', turns: 1 });
    const totals = (await owner.as.get(`${SESSIONS}/${session.id}`)).body as { totals: Record<string, number> };
    expect(totals.totals).toMatchObject({
      messages: 2,
      input_tokens: run.usage.input_tokens,
      output_tokens: run.usage.output_tokens,
    });

    const next = await owner.as.post(
      `${SESSIONS}/${session.id}/query`,
      { message: 'list the files' },
      { query: { wait: 'true' }, timeoutMs: 30_000 },
    );
    expect(next.status).toBe(200);
  });
});
