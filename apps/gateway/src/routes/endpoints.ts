import {
  ApiDocsLinksResponseSchema,
  ApiHealthResponseSchema,
  DiscoveryResponseSchema,
  EndpointsResponseSchema,
  GatewayHealthResponseSchema,
  MediaInfoResponseSchema,
  ServiceInfoResponseSchema,
  SystemInfoResponseSchema,
  endpointsFromOperations,
  type ApiOperation,
} from '@platform/contracts';
import { z } from 'zod';

const discovery = ['discovery'];
const docs = ['docs'];

/** The gateway's own routes, documented beside the services'. */
export const GATEWAY_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/discovery',
    summary: 'Every service with its endpoints',
    tags: discovery,
    auth: 'public',
    responses: {
      200: { description: 'Services, versions, endpoints and instance counts', schema: DiscoveryResponseSchema },
    },
  },
  {
    method: 'GET',
    path: '/api/endpoints',
    summary: 'Every endpoint of the platform',
    tags: discovery,
    auth: 'public',
    responses: { 200: { description: 'One row per endpoint', schema: EndpointsResponseSchema } },
  },
  {
    method: 'GET',
    path: '/api/service-info',
    summary: 'The gateway and its routing table',
    tags: discovery,
    auth: 'public',
    responses: { 200: { description: 'Name, version and routes', schema: ServiceInfoResponseSchema } },
  },
  {
    method: 'GET',
    path: '/api/health',
    summary: 'Readiness of every service instance',
    description: 'Per service: its state and how many instances are registered and ready. Each instance\'s id, internal URL and probe latency only with a bearer token whose role may `manage` (admins); an invalid token is a 401.',
    tags: ['health'],
    auth: 'optional',
    responses: {
      200: { description: 'Every required service is up (or degraded)', schema: ApiHealthResponseSchema },
      503: { description: 'A required service is down', schema: ApiHealthResponseSchema },
    },
  },
  {
    method: 'GET',
    path: '/health',
    summary: 'The gateway is alive, with a summary of the platform',
    description:
      "Always 200 while the gateway answers (the liveness probe). `platform` is status-aggregator's production status as last " +
      'seen, refreshed in the background at most every PLATFORM_STATUS_CACHE_MS (bounded by PLATFORM_STATUS_TIMEOUT_MS); `unknown` while it cannot be asked.',
    tags: ['health'],
    auth: 'public',
    responses: { 200: { description: 'Alive', schema: GatewayHealthResponseSchema } },
  },
  {
    method: 'GET',
    path: '/',
    summary: 'System information: name, version, the services the registry knows, links',
    tags: ['system'],
    auth: 'public',
    responses: { 200: { description: 'System information', schema: SystemInfoResponseSchema } },
  },
  {
    method: 'GET',
    path: '/media',
    summary: 'Streaming endpoints (SSE, WebSocket), dashboard assets, and the request limits',
    tags: ['system'],
    auth: 'public',
    responses: { 200: { description: 'Streams, assets and limits', schema: MediaInfoResponseSchema } },
  },
  {
    method: 'GET',
    path: '/api/docs',
    summary: 'API documentation: the interactive page, or its links as JSON',
    description:
      'With `Accept: application/json`: links to the OpenAPI document and the state of each service. Otherwise the Swagger UI page.',
    tags: docs,
    auth: 'public',
    responses: {
      200: { description: 'Links and service states (JSON), or the page (HTML)', schema: ApiDocsLinksResponseSchema },
    },
  },
  {
    method: 'GET',
    path: '/api/docs/openapi.json',
    summary: 'The OpenAPI 3.1 document of the whole platform',
    description:
      'Merged from every service; a service that cannot be read keeps its last good copy or is listed in `x-unavailable-services`.',
    tags: docs,
    auth: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
  },
  {
    method: 'GET',
    path: '/api/docs/assets/{file}',
    summary: 'A file of the documentation page (Swagger UI, served locally)',
    tags: docs,
    auth: 'public',
    request: {
      params: z.object({ file: z.string().min(1).max(100) }),
      examples: { params: { file: 'swagger-ui.css' } },
    },
    responses: { 200: { description: 'The file' }, 404: { description: 'No such file' } },
  },
];

/** The gateway's own routes, listed in discovery beside the services'. */
export const GATEWAY_ENDPOINTS = endpointsFromOperations(GATEWAY_OPERATIONS);
