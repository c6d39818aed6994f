import {
  ChannelSchema,
  MessageListResponseSchema,
  QueryAcceptedResponseSchema,
  RunSchema,
  SessionEventSchema,
  SessionSchema,
  TERMINAL_EVENT_TYPES,
  ToolCallListResponseSchema,
  type Channel,
  type Message,
  type QueryAcceptedResponse,
  type Run,
  type Session as AgentSession,
  type SessionCreateRequest,
  type SessionEvent,
  type ToolCall,
} from '@platform/contracts';
import { sseClient, type JsonClient, type SseStream } from '@platform/testing';
import { z } from 'zod';

export const SESSIONS = '/api/v1/sessions';

const FinishedQuerySchema = z.object({ run_id: z.uuid(), status: z.string(), run: RunSchema });

const expectStatus = (what: string, res: { status: number; text: string }, status: number) => {
  if (res.status !== status)
    throw new Error(`${what} answered ${res.status} (expected ${status}): ${res.text.slice(0, 500)}`);
};

export async function createChannel(as: JsonClient, name: string): Promise<Channel> {
  const res = await as.post('/api/channels', { name });
  expectStatus('POST /api/channels', res, 201);
  return ChannelSchema.parse(res.body);
}

/** POST /api/v1/sessions; fails the test unless it answers 201 with a session. */
export async function createSession(as: JsonClient, body: SessionCreateRequest): Promise<AgentSession> {
  const res = await as.post(SESSIONS, body);
  expectStatus(`POST ${SESSIONS}`, res, 201);
  return SessionSchema.parse(res.body);
}

/** POST …/query without waiting: the accepted (queued) run. */
export async function startQuery(as: JsonClient, sessionId: string, message: string): Promise<QueryAcceptedResponse> {
  const res = await as.post(`${SESSIONS}/${sessionId}/query`, { message });
  expectStatus('POST query', res, 202);
  return QueryAcceptedResponseSchema.parse(res.body);
}

/** POST …/query?wait=true: the finished run. */
export async function runQuery(as: JsonClient, sessionId: string, message: string): Promise<Run> {
  const res = await as.post(
    `${SESSIONS}/${sessionId}/query`,
    { message },
    { query: { wait: 'true' }, timeoutMs: 30_000 },
  );
  expectStatus('POST query?wait=true', res, 200);
  return FinishedQuerySchema.parse(res.body).run;
}

/** Every message of a session, in sequence order. */
export async function messagesOf(as: JsonClient, sessionId: string): Promise<Message[]> {
  const res = await as.get(`${SESSIONS}/${sessionId}/messages`, { query: { limit: 500 } });
  expectStatus('GET messages', res, 200);
  return MessageListResponseSchema.parse(res.body).items;
}

/** A session's tool calls, oldest first. */
export async function toolCallsOf(as: JsonClient, sessionId: string): Promise<ToolCall[]> {
  const res = await as.get(`${SESSIONS}/${sessionId}/tool-calls`, { query: { limit: 100 } });
  expectStatus('GET tool-calls', res, 200);
  return ToolCallListResponseSchema.parse(res.body).items.reverse();
}

/** The text of every text block in a message, joined. */
export const textOf = (m: Message): string =>
  m.content
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('\n');

export interface StreamFrom {
  lastEventId?: string;
  since?: number;
}

/** Opens the session's SSE stream through the gateway (live only unless resumed). */
export function openStream(
  gatewayUrl: string,
  accessToken: string,
  sessionId: string,
  from: StreamFrom = {},
): Promise<SseStream> {
  const url = new URL(`${SESSIONS}/${sessionId}/stream`, gatewayUrl);
  if (from.since !== undefined) url.searchParams.set('since', String(from.since));
  return sseClient(url.toString(), {
    authorization: `Bearer ${accessToken}`,
    ...(from.lastEventId !== undefined ? { 'last-event-id': from.lastEventId } : {}),
  });
}

export const isTerminal = (e: SessionEvent): boolean => (TERMINAL_EVENT_TYPES as readonly string[]).includes(e.type);

/** The next session event on `stream` (heartbeats skipped), checked against its `id:` line. */
export async function nextEvent(stream: SseStream, timeoutMs = 10_000): Promise<SessionEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const raw = await stream.next(Math.max(1, deadline - Date.now()));
    if (raw.event === 'heartbeat') continue;
    const e = SessionEventSchema.parse(JSON.parse(raw.data));
    if (raw.id !== String(e.seq) || raw.event !== e.type)
      throw new Error(`SSE frame id ${raw.id} / event ${raw.event} does not match ${e.seq} / ${e.type}`);
    return e;
  }
}

/** Events from `stream` up to and including the terminal event of `runId`. */
export async function eventsUntilEnd(stream: SseStream, runId: string, timeoutMs = 15_000): Promise<SessionEvent[]> {
  const deadline = Date.now() + timeoutMs;
  const out: SessionEvent[] = [];
  for (;;) {
    const e = await nextEvent(stream, Math.max(1, deadline - Date.now()));
    out.push(e);
    if (e.run_id === runId && isTerminal(e)) return out;
  }
}

/** The whole event log of a session (a `since=0` replay), read until the terminal event of `runId`. */
export async function replayUntilEnd(
  gatewayUrl: string,
  accessToken: string,
  sessionId: string,
  runId: string,
): Promise<SessionEvent[]> {
  const stream = await openStream(gatewayUrl, accessToken, sessionId, { since: 0 });
  try {
    return await eventsUntilEnd(stream, runId);
  } finally {
    stream.close();
  }
}

export interface TimedRun {
  message: string;
  runId: string;
  events: SessionEvent[];
  /** When each event arrived, in ms after the POST of the query was sent. */
  at: number[];
}

/** Sends a query and reads `stream` up to its run's terminal event, noting when each event arrived. */
export async function timedQuery(
  as: JsonClient,
  stream: SseStream,
  sessionId: string,
  message: string,
): Promise<TimedRun> {
  const sent = performance.now();
  const { run_id: runId } = await startQuery(as, sessionId, message);
  const run: TimedRun = { message, runId, events: [], at: [] };
  for (;;) {
    const e = await nextEvent(stream);
    run.events.push(e);
    run.at.push(Math.round(performance.now() - sent));
    if (e.run_id === runId && isTerminal(e)) return run;
  }
}
