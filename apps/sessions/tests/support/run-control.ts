import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import {
  AuditListResponseSchema,
  RunSchema,
  ServiceTokenResponseSchema,
  type AuditEntry,
  type Run,
  type SessionEvent,
} from '@platform/contracts';
import { eventually, jsonRequest, type JsonClient } from '@platform/testing';
import { SERVICE_CLIENT } from './platform';
import { SESSIONS, createSession, sendQuery } from './api';
import { RunScript } from './events';
import type { SessionsHarness, TestUser } from './sessions';

/** JSON client on sessions with a service token (the runner's view: `/internal/*`). */
export async function serviceApi(h: SessionsHarness): Promise<JsonClient> {
  const res = await jsonRequest(h.deps.auth.url).post('/auth/service-token', {
    client_id: SERVICE_CLIENT.id,
    client_secret: SERVICE_CLIENT.secret,
  });
  const token = ServiceTokenResponseSchema.parse(res.body).access_token;
  return jsonRequest(h.sessions.url, { headers: { authorization: `Bearer ${token}` } });
}

export async function getRun(user: TestUser, sessionId: string, runId: string): Promise<Run> {
  return RunSchema.parse((await user.api.get(`${SESSIONS}/${sessionId}/runs/${runId}`)).body);
}

export function runReaches(
  user: TestUser,
  sessionId: string,
  runId: string,
  status: Run['status'],
  timeoutMs = 10_000,
) {
  return eventually(
    `run ${runId} is ${status}`,
    () => getRun(user, sessionId, runId),
    (r) => r.status === status,
    timeoutMs,
  );
}

/** A session with one query whose run the test drives as the runner would (it has started). */
export async function startedRun(h: SessionsHarness, user: TestUser, body: Record<string, unknown> = {}) {
  const session = await createSession(user, body);
  const { run_id } = await sendQuery(user, session.id);
  const script = new RunScript(session.id, run_id);
  await h.emit(script.started());
  await runReaches(user, session.id, run_id, 'running');
  return { session, runId: run_id, script };
}

/** Parks a run's job in the delayed set, as a runner waiting for a permission answer does. */
export async function parkJob(h: SessionsHarness, runId: string): Promise<void> {
  const job = (await h.jobs.getJob(runId)) as Job | undefined;
  if (!job) throw new Error(`no job for run ${runId}`);
  const data: unknown = job.data;
  await job.remove();
  await h.jobs.add('run', data, { jobId: runId, delay: 10 * 60_000 });
}

export async function auditOf(user: TestUser, sessionId: string): Promise<AuditEntry[]> {
  const res = await user.api.get(`${SESSIONS}/${sessionId}/audit`, { query: { limit: 100 } });
  if (res.status !== 200) throw new Error(`audit answered ${res.status}: ${res.text}`);
  return AuditListResponseSchema.parse(res.body).items;
}

export async function eventsOf(
  h: SessionsHarness,
  sessionId: string,
): Promise<Array<Pick<SessionEvent, 'seq' | 'type'> & { runSeq: number }>> {
  const rows = await h.sessions.db.sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  return rows.map((r) => ({ seq: r.seq, type: r.type, runSeq: r.runSeq }));
}

export const newRequestId = (): string => randomUUID();

/** A started run whose runner asked to write a file (WRITE, expiring in 5 minutes) and parked its job until it is answered. */
export async function askingRun(h: SessionsHarness, user: TestUser, call: { tool: string; input: Record<string, unknown> } = { tool: 'write_file', input: WRITE }) {
  const expiresAt = new Date(Date.now() + 5 * 60_000);
  const run = await startedRun(h, user);
  const requestId = newRequestId();
  await h.emit(run.script.permissionRequest(requestId, 'tu-w', call.tool, call.input, expiresAt));
  await runReaches(user, run.session.id, run.runId, 'requires_action');
  await parkJob(h, run.runId);
  return { ...run, requestId, path: `${SESSIONS}/${run.session.id}/permissions/${requestId}` };
}

export const WRITE = { path: 'a.txt', content: 'hello' };
