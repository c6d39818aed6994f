import type { Request } from 'express';
import type { RequestMeta } from '../services/request-meta';

export const metaOf = (req: Request): RequestMeta => ({
  ip: req.ip ?? null,
  userAgent: req.headers['user-agent'] ?? null,
  requestId: req.id,
});
