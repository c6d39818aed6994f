import { Router } from 'express';
import { buildOpenApiDocument, type ApiOperation, type OpenApiDocument } from '@platform/contracts';

/** What a service documents: its title and version and the operations it mounts. */
export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  operations: readonly ApiOperation[];
}

/** `GET /openapi.json`: the service's OpenAPI 3.1 document, built once from its operations at start. */
export function openApiRoutes(o: OpenApiOptions): Router {
  const doc: OpenApiDocument = buildOpenApiDocument(
    { title: o.title, version: o.version, ...(o.description ? { description: o.description } : {}) },
    o.operations,
  );
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=60').json(doc);
  });
  return router;
}
