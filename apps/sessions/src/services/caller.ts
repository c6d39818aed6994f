import type { TokenRole } from '@platform/contracts';

/** The authenticated person acting on sessions. */
export interface Caller {
  userId: string;
  role: TokenRole;
}

export const isAdmin = (c: Caller): boolean => c.role === 'admin';
