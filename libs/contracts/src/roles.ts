import { z } from 'zod';
import type { TokenRole } from './auth';

/**
 * What a caller may do, in classes every route belongs to (the README's role table lists them):
 * - `read`: read what the caller owns or is shown (lists, records, messages, audit, event streams)
 * - `account`: the caller's own account (profile, own password, logout)
 * - `create`: create, change and delete own resources (channels, sessions, webhook settings)
 * - `run`: start agent work (queries over HTTP or WebSocket, forks, SOLO and TDD agents, test runs)
 * - `control`: cancel own runs
 * - `answer`: answer a run's permission (tool) requests
 * - `manage`: manage users, see everyone's resources and the platform's internals
 * - `internal`: service-to-service routes (service tokens only)
 */
export const ActionClassSchema = z.enum(['read', 'account', 'create', 'run', 'control', 'answer', 'manage', 'internal']);
export type ActionClass = z.infer<typeof ActionClassSchema>;

/**
 * The one role × action table every service enforces. `guest` reads what it is given and starts
 * nothing; `agent` is an automated client: it may work in sessions it owns (create them, run queries,
 * cancel its runs) but not answer permission requests (a person, the owner's admin, does) nor manage
 * users; `user` does everything on its own resources; `admin` everything, on everyone's.
 */
export const ROLE_ACTIONS: Readonly<Record<TokenRole, readonly ActionClass[]>> = {
  guest: ['read', 'account'],
  agent: ['read', 'account', 'create', 'run', 'control'],
  user: ['read', 'account', 'create', 'run', 'control', 'answer'],
  admin: ['read', 'account', 'create', 'run', 'control', 'answer', 'manage'],
  service: ['internal'],
};

/** Whether `role` may perform actions of class `action` (an unknown role may do nothing). */
export function roleMay(role: string, action: ActionClass): boolean {
  return Object.hasOwn(ROLE_ACTIONS, role) && ROLE_ACTIONS[role as TokenRole].includes(action);
}
