import { z } from 'zod';

/** `GET /api/docs` with `Accept: application/json`: where the platform's API documentation lives (the seeds' "API documentation links"). */
export const ApiDocsLinksResponseSchema = z.object({
  title: z.string(),
  version: z.string(),
  /** The merged OpenAPI 3.1 document of every service. */
  openapi_url: z.string(),
  /** The interactive documentation page. */
  ui_url: z.string(),
  discovery_url: z.string(),
  endpoints_url: z.string(),
  services: z.array(
    z.object({
      name: z.string(),
      /** `available`: fetched now; `stale`: down, last good copy shown; `unavailable`: never fetched. */
      status: z.enum(['available', 'stale', 'unavailable']),
      version: z.string().nullable(),
      operations: z.number().int().nonnegative(),
    }),
  ),
  timestamp: z.string(),
});
export type ApiDocsLinksResponse = z.infer<typeof ApiDocsLinksResponseSchema>;
