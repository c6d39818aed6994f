import type { Endpoint } from '@platform/contracts';

/** The gateway's own routes, listed in discovery beside the services'. */
export const GATEWAY_ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/api/discovery', description: 'Every service with its endpoints', tags: ['discovery'], public: true },
  { method: 'GET', path: '/api/endpoints', description: 'Every endpoint of the platform', tags: ['discovery'], public: true },
  { method: 'GET', path: '/api/service-info', description: 'The gateway and its routing table', tags: ['discovery'], public: true },
  { method: 'GET', path: '/api/health', description: 'Readiness of every service instance', tags: ['health'], public: true },
  { method: 'GET', path: '/health', description: 'The gateway is alive', tags: ['health'], public: true },
];
