import {
  QueryRequestSchema,
  ServiceListResponseSchema,
  SoloGenesisRequestSchema,
  TddAnalyzeRequestSchema,
  type MediaInfoResponse,
  type SystemInfoResponse,
} from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';
import type { GatewayConfig } from '../config';

/** Where to go from `GET /`: every entry answers a GET through this gateway (some want a token). */
export const SYSTEM_LINKS: Record<string, string> = {
  self: '/',
  health: '/health',
  ready: '/ready',
  media: '/media',
  discovery: '/api/discovery',
  endpoints: '/api/endpoints',
  service_info: '/api/service-info',
  services_health: '/api/health',
  production_status: '/api/production-status',
  status: '/api/status/components',
  dashboard: '/dashboard',
  docs: '/api/docs',
  openapi: '/api/docs/openapi.json',
  jwks: '/auth/.well-known/jwks.json',
  profile: '/auth/profile',
  channels: '/api/channels',
  sessions: '/api/v1/sessions',
  solo_status: '/solo/status',
};

const maxLengthOf = (schema: { maxLength: number | null }, what: string): number => {
  if (schema.maxLength === null) throw new Error(`${what} has no maximum length in its contract`);
  return schema.maxLength;
};

/** `GET /` and `GET /media`: what the platform is and offers, from the registry, the contracts and this gateway's config. */
export class SystemInfo {
  constructor(
    private readonly d: {
      registry: ServiceClient;
      config: Pick<GatewayConfig, 'SERVICE_VERSION' | 'BODY_LIMIT' | 'UPSTREAM_TIMEOUT_MS' | 'RATE_LIMIT_ENABLED' | 'RATE_LIMIT_DEFAULT_PER_MIN'>;
      bodyLimitBytes: number;
    },
  ) {}

  /** The registry's view of the services; an unreachable registry is reported, not an error (this page helps debug that). */
  async info(): Promise<SystemInfoResponse> {
    let registry: SystemInfoResponse['registry'] = 'ok';
    let services: SystemInfoResponse['services'] = [];
    try {
      const { data } = await this.d.registry.request({ method: 'GET', path: '/registry/services', schema: ServiceListResponseSchema, timeoutMs: 1000 });
      services = data.services
        .map((s) => ({ name: s.name, instances: s.instances.length, versions: [...new Set(s.instances.map((i) => i.version))].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      registry = 'unavailable';
    }
    return {
      name: 'agent-platform',
      description: 'A platform for AI agents: sessions with tool-using models, the SOLO and TDD agents, channels and live platform status.',
      version: this.d.config.SERVICE_VERSION,
      registry,
      services,
      links: SYSTEM_LINKS,
      timestamp: new Date().toISOString(),
    };
  }

  media(): MediaInfoResponse {
    const c = this.d.config;
    return {
      streams: [
        {
          path: '/api/v1/sessions/{id}/stream',
          protocol: 'sse',
          content_type: 'text/event-stream',
          auth: 'bearer',
          resumable: true,
          description: "A session's live events; resume with Last-Event-ID or ?since=<seq>. Heartbeat events keep it open.",
        },
        {
          path: '/api/v1/sessions/{id}/stream',
          protocol: 'websocket',
          content_type: 'application/json',
          auth: 'bearer_or_query_token',
          resumable: true,
          description: "The same events over a WebSocket, which also takes queries; browsers may pass the token as ?token=.",
        },
        {
          path: '/api/status/stream',
          protocol: 'sse',
          content_type: 'text/event-stream',
          auth: 'none',
          resumable: false,
          description: 'Live component states of the platform, as the status dashboard shows them.',
        },
      ],
      assets: [
        { path: '/dashboard', content_type: 'text/html', auth: 'none', description: 'The live status dashboard' },
        { path: '/dashboard/app.js', content_type: 'text/javascript', auth: 'none', description: "The dashboard's script" },
        { path: '/dashboard/app.css', content_type: 'text/css', auth: 'none', description: "The dashboard's styles" },
      ],
      request_content_types: ['application/json'],
      limits: {
        json_body_limit: c.BODY_LIMIT,
        json_body_bytes: this.d.bodyLimitBytes,
        upstream_timeout_ms: c.UPSTREAM_TIMEOUT_MS,
        rate_limit_default_per_min: c.RATE_LIMIT_ENABLED ? c.RATE_LIMIT_DEFAULT_PER_MIN : null,
        query_message_max_chars: maxLengthOf(QueryRequestSchema.shape.message, 'a query message'),
        test_output_max_chars: maxLengthOf(TddAnalyzeRequestSchema.shape.test_output, 'test output'),
        genesis_description_max_chars: maxLengthOf(SoloGenesisRequestSchema.shape.description, 'a genesis description'),
      },
      timestamp: new Date().toISOString(),
    };
  }
}
