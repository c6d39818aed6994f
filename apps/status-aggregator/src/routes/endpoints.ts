import type { RegisterInstanceRequest } from '@platform/contracts';

/** The routes the status-aggregator publishes to the registry (and so to `/api/discovery`). */
export const STATUS_ENDPOINTS: NonNullable<RegisterInstanceRequest['endpoints']> = [
  {
    method: 'GET',
    path: '/api/production-status',
    description: 'Aggregated production status',
    tags: ['status'],
    public: true,
  },
  {
    method: 'GET',
    path: '/api/status/components',
    description: 'State, uptime and recovery of every component',
    tags: ['status'],
    public: true,
  },
  {
    method: 'GET',
    path: '/api/status/history',
    description: 'State history of components (?service=&since=)',
    tags: ['status'],
    public: true,
  },
  {
    method: 'GET',
    path: '/api/status/incidents',
    description: 'Open and recent incidents',
    tags: ['status'],
    public: true,
  },
  {
    method: 'GET',
    path: '/api/status/stream',
    description: 'Server-sent events: every state change',
    tags: ['status'],
    public: true,
  },
  {
    method: 'GET',
    path: '/api/status/metrics',
    description: 'Request rate and latency per service (admins)',
    tags: ['status'],
  },
  { method: 'GET', path: '/dashboard', description: 'Operator dashboard', tags: ['status'], public: true },
];
