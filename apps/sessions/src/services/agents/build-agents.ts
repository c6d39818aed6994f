import type { SessionsDeps } from '../../app';
import { AgentSessionsRepository } from '../../repositories/agent-sessions.repository';
import type { SessionsService } from '../sessions.service';
import type { RunsService } from '../runs.service';
import { AgentTaskService } from './agent-task.service';
import { SoloService } from './solo.service';
import { TddService } from './tdd.service';

/** The SOLO and TDD agents, on the sessions and runs services everything else uses. */
export function buildAgents(d: SessionsDeps, sessions: SessionsService, runs: RunsService) {
  const repo = new AgentSessionsRepository(d.db);
  const tasks = new AgentTaskService({ sessions, runs, repo, waitMs: d.config.QUERY_WAIT_MAX_MS });
  return {
    solo: new SoloService({ tasks, repo }),
    tdd: new TddService({ tasks, queue: d.queue, validateWaitMs: d.config.TDD_VALIDATE_WAIT_MS }),
  };
}
