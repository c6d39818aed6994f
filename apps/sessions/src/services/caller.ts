import { roleMay, type TokenRole } from '@platform/contracts';

/** The authenticated person acting on sessions. */
export interface Caller {
  userId: string;
  role: TokenRole;
}

/** Callers who see and act on everyone's sessions (the `manage` action class). */
export const isAdmin = (c: Caller): boolean => roleMay(c.role, 'manage');
