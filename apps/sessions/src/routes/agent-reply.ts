import type { Response } from 'express';
import { TERMINAL_RUN_STATUSES, type RunStatus } from '@platform/contracts';

/**
 * An agent call's answer: `answered` (200, or 201 when the call created a session) once its run
 * completed; 202 while the run still goes; 200 with the run's status and error when it ended otherwise.
 */
export function agentReply(res: Response, body: { status: RunStatus }, answered: 200 | 201): void {
  const status = body.status === 'completed' ? answered : TERMINAL_RUN_STATUSES.includes(body.status) ? 200 : 202;
  res.status(status).json(body);
}
