import { WS_HANDSHAKE } from './forgeries';
import type { World } from './world';

const S = '/api/v1/sessions';

/** One request on someone's resource: what it is, and the request itself. */
export interface Operation {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Reads the owner may repeat to show the id is real (200 for them, 404 for anyone else). */
  ownerRead?: boolean;
}

/**
 * Every operation on the world owner's channel, sessions, runs, messages, tool calls, streams,
 * permission requests, audit log, webhook deliveries and user record.
 */
export function foreignOperations(w: World): Operation[] {
  const [channel] = w.ids.channels as [string];
  const [done, waiting] = w.ids.sessions as [string, string];
  const [run, asked] = w.ids.runs as [string, string];
  const [request] = w.ids.permissionRequests as [string];
  const user = w.owner.user.id;
  return [
    { what: 'read a channel', method: 'GET', path: `/api/channels/${channel}`, ownerRead: true },
    { what: 'read a channel at the root path', method: 'GET', path: `/channels/${channel}`, ownerRead: true },
    {
      what: 'replace a channel',
      method: 'PUT',
      path: `/api/channels/${channel}`,
      body: { name: 'taken', description: null },
    },
    { what: 'patch a channel', method: 'PATCH', path: `/api/channels/${channel}`, body: { name: 'taken' } },
    { what: 'delete a channel', method: 'DELETE', path: `/api/channels/${channel}` },
    { what: 'open a session in their channel', method: 'POST', path: S, body: { name: 'squat', channel_id: channel } },
    { what: 'read a session', method: 'GET', path: `${S}/${done}`, ownerRead: true },
    { what: 'rename a session', method: 'PATCH', path: `${S}/${done}`, body: { name: 'taken' } },
    { what: 'point a session webhook elsewhere', method: 'PATCH', path: `${S}/${done}`, body: { webhook_url: null } },
    { what: 'delete a session', method: 'DELETE', path: `${S}/${done}` },
    { what: 'query a session', method: 'POST', path: `${S}/${done}/query`, body: { message: 'read notes.txt' } },
    {
      what: 'query a session and wait',
      method: 'POST',
      path: `${S}/${done}/query?wait=true`,
      body: { message: 'read notes.txt' },
    },
    { what: 'fork a session', method: 'POST', path: `${S}/${done}/fork`, body: {} },
    { what: 'list runs', method: 'GET', path: `${S}/${done}/runs`, ownerRead: true },
    { what: 'read a run', method: 'GET', path: `${S}/${done}/runs/${run}`, ownerRead: true },
    { what: 'cancel a run', method: 'POST', path: `${S}/${waiting}/runs/${asked}/cancel`, body: {} },
    { what: 'list messages', method: 'GET', path: `${S}/${done}/messages`, ownerRead: true },
    { what: 'list tool calls', method: 'GET', path: `${S}/${done}/tool-calls`, ownerRead: true },
    { what: 'list permission requests', method: 'GET', path: `${S}/${waiting}/permissions`, ownerRead: true },
    {
      what: 'answer a permission request',
      method: 'POST',
      path: `${S}/${waiting}/permissions/${request}`,
      body: { decision: 'allow' },
    },
    { what: 'read the audit log', method: 'GET', path: `${S}/${done}/audit`, ownerRead: true },
    { what: 'read webhook deliveries', method: 'GET', path: `${S}/${done}/webhook-deliveries`, ownerRead: true },
    {
      what: 'open the SSE stream',
      method: 'GET',
      path: `${S}/${done}/stream`,
      headers: { accept: 'text/event-stream' },
    },
    { what: 'open the WebSocket stream', method: 'GET', path: `${S}/${done}/stream`, headers: WS_HANDSHAKE },
    { what: 'read the user', method: 'GET', path: `/users/${user}`, ownerRead: true },
    { what: 'change the user', method: 'PUT', path: `/users/${user}`, body: { username: 'taken_over' } },
    { what: 'delete the user', method: 'DELETE', path: `/users/${user}` },
  ];
}

/** Operation names, for test tables written before the world exists. */
export const FOREIGN_OPERATION_NAMES: string[] = foreignOperations({
  owner: { user: { id: 'u' } },
  ids: { users: [], channels: ['c'], sessions: ['s', 'w'], runs: ['r', 'a'], permissionRequests: ['p'] },
} as unknown as World).map((o) => o.what);

/** The same operation on ids nobody has (so a refusal can be compared with "does not exist"). */
export function onMissingIds(op: Operation, w: World, missing: string): Operation {
  const all = [...w.ids.channels, ...w.ids.sessions, ...w.ids.runs, ...w.ids.permissionRequests, w.owner.user.id];
  return { ...op, path: all.reduce((p, id) => p.replaceAll(id, missing), op.path), body: op.body };
}
