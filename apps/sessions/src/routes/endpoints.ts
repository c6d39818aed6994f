import type { Endpoint } from '@platform/contracts';

const S = '/api/v1/sessions';
/** The routes sessions publishes to the registry (and so to `/api/discovery`). */
export const SESSIONS_ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: S, description: 'Create an agent session', tags: ['sessions'], public: false },
  { method: 'GET', path: S, description: 'List your sessions', tags: ['sessions'], public: false },
  { method: 'GET', path: `${S}/{id}`, description: 'Get a session', tags: ['sessions'], public: false },
  { method: 'PATCH', path: `${S}/{id}`, description: 'Rename or archive a session', tags: ['sessions'], public: false },
  { method: 'DELETE', path: `${S}/{id}`, description: 'Delete a session', tags: ['sessions'], public: false },
  { method: 'POST', path: `${S}/{id}/query`, description: 'Send a query; ?wait=true waits for the run', tags: ['sessions', 'runs'], public: false },
  { method: 'POST', path: `${S}/{id}/fork`, description: 'Fork a session with its messages and working directory', tags: ['sessions'], public: false },
  { method: 'GET', path: `${S}/{id}/runs`, description: 'Runs of a session', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/runs/{run_id}`, description: 'One run: status, usage, cost', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/messages`, description: 'Messages in order', tags: ['sessions'], public: false },
  { method: 'GET', path: `${S}/{id}/tool-calls`, description: 'Tool calls and their decisions', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/stream`, description: 'Live events (SSE, resumable with Last-Event-ID)', tags: ['streams'], public: false },
  { method: 'WS', path: `${S}/{id}/stream`, description: 'Live events and queries over WebSocket', tags: ['streams'], public: false },
];
