import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from './logger';
import { createMetrics, metricsMiddleware, type Metrics } from './metrics';
import { opsRoutes, type ReadinessCheck } from './health';
import { requestId } from './middleware/request-id';
import { requestLog } from './middleware/request-log';
import { jsonBody } from './middleware/json-body';
import { storableText } from './middleware/storable-text';
import { errorHandler } from './middleware/error-handler';
import { notFound } from './middleware/not-found';
import { openApiRoutes, type OpenApiOptions } from './openapi';

export interface ServiceAppOptions {
  service: string;
  version: string;
  instanceId: string;
  logger: Logger;
  metrics?: Metrics;
  checks?: ReadinessCheck[];
  bodyLimit?: string;
  trustProxy?: string | number | boolean;
  /** Middleware that must run before body parsing (a proxy streams bodies through untouched). */
  beforeBody?: RequestHandler[];
  /** Mounts the service's own routes. */
  routes: (app: Express) => void;
  isAccepting?: () => boolean;
  /** Extra fields of `GET /health`; see `OpsRoutesOptions.healthDetails`. */
  healthDetails?: () => Promise<Record<string, unknown>>;
  /** Ops routes reachable by the public (see OpsRoutesOptions.public). */
  publicOps?: boolean;
  /** Serves the service's generated OpenAPI document at `GET /openapi.json`. */
  openapi?: OpenApiOptions;
}

/** Express app with the platform's standard stack: security headers, request id, logs, metrics, limits, envelope errors. */
export function createServiceApp(o: ServiceAppOptions): Express {
  const app = express();
  const metrics = o.metrics ?? createMetrics(o.service);
  app.disable('x-powered-by');
  app.set('trust proxy', o.trustProxy ?? 'loopback');
  app.set('query parser', 'simple');
  app.use(requestId(o.logger));
  app.use(requestLog());
  app.use(metricsMiddleware(metrics));
  app.use(
    helmet({
      contentSecurityPolicy: false,
      frameguard: { action: 'deny' },
      hsts: { maxAge: 31_536_000, includeSubDomains: true },
    }),
  );
  app.use(
    opsRoutes({
      service: o.service,
      version: o.version,
      instanceId: o.instanceId,
      metrics,
      checks: o.checks ?? [],
      isAccepting: o.isAccepting ?? (() => true),
      ...(o.healthDetails ? { healthDetails: o.healthDetails } : {}),
      ...(o.publicOps ? { public: true } : {}),
    }),
  );
  if (o.openapi) app.use(openApiRoutes(o.openapi));
  for (const mw of o.beforeBody ?? []) app.use(mw);
  app.use(...jsonBody(o.bodyLimit ?? '100kb'), storableText());
  o.routes(app);
  app.use(notFound());
  app.use(errorHandler());
  return app;
}
