import type { Endpoint } from '@platform/contracts';

const S = '/api/v1/sessions';
/** The routes sessions publishes to the registry (and so to `/api/discovery`). */
export const SESSIONS_ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: S, description: 'Create an agent session', tags: ['sessions'], public: false },
  { method: 'GET', path: S, description: 'List your sessions', tags: ['sessions'], public: false },
  { method: 'GET', path: `${S}/{id}`, description: 'Get a session', tags: ['sessions'], public: false },
  { method: 'PATCH', path: `${S}/{id}`, description: 'Rename or archive a session', tags: ['sessions'], public: false },
  { method: 'DELETE', path: `${S}/{id}`, description: 'Delete a session', tags: ['sessions'], public: false },
  { method: 'POST', path: `${S}/{id}/query`, description: 'Send a query; ?wait=true waits for the run; 409 RUN_IN_PROGRESS unless multitask "enqueue"', tags: ['sessions', 'runs'], public: false },
  { method: 'POST', path: `${S}/{id}/fork`, description: 'Fork a session with its messages and working directory', tags: ['sessions'], public: false },
  { method: 'GET', path: `${S}/{id}/runs`, description: 'Runs of a session', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/runs/{run_id}`, description: 'One run: status, usage, cost', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/messages`, description: 'Messages in order', tags: ['sessions'], public: false },
  { method: 'GET', path: `${S}/{id}/tool-calls`, description: 'Tool calls and their decisions', tags: ['runs'], public: false },
  { method: 'POST', path: `${S}/{id}/runs/{run_id}/cancel`, description: 'Cancel a run: the runner stops, the run ends as cancelled', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/permissions`, description: 'Permission requests of a session (?status=pending)', tags: ['runs'], public: false },
  { method: 'POST', path: `${S}/{id}/permissions/{request_id}`, description: 'Allow or deny a tool call waiting for permission', tags: ['runs'], public: false },
  { method: 'GET', path: `${S}/{id}/audit`, description: 'Audit log of a session (owner or admin)', tags: ['sessions', 'audit'], public: false },
  { method: 'GET', path: `${S}/{id}/webhook-deliveries`, description: 'Webhook delivery attempts of a session', tags: ['sessions', 'webhooks'], public: false },
  { method: 'GET', path: '/api/v1/webhook-settings', description: 'Your default webhook (also under /api/v1/sessions/webhook-settings)', tags: ['webhooks'], public: false },
  { method: 'PUT', path: '/api/v1/webhook-settings', description: 'Set your default webhook; creates or rotates the signing secret', tags: ['webhooks'], public: false },
  { method: 'GET', path: `${S}/{id}/stream`, description: 'Live events (SSE, resumable with Last-Event-ID)', tags: ['streams'], public: false },
  { method: 'WS', path: `${S}/{id}/stream`, description: 'Live events and queries over WebSocket', tags: ['streams'], public: false },
];
