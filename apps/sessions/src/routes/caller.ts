import type { Request } from 'express';
import { authOf } from '@platform/auth-middleware';
import type { Caller } from '../services/caller';

export const callerOf = (req: Request): Caller => {
  const a = authOf(req);
  return { userId: a.userId, role: a.role };
};
