import {
  TDD_TEMPLATE_ID,
  type AgentRunRef,
  type TddAnalyzeRequest,
  type TddAnalyzeResponse,
  type TddGenerateRequest,
  type TddGenerateResponse,
  type TddValidateRequest,
  type TddValidateResponse,
} from '@platform/contracts';
import { AppError, ValidationError } from '@platform/service-kit';
import type { AgentRunsQueue } from '../../queues/agent-runs';
import type { Caller } from '../caller';
import type { AgentTaskService } from './agent-task.service';
import { analyzePrompt, generatePrompt } from './agent-prompts';
import { readAnalysis, readGeneration } from './agent-answers';

export interface TddServiceDeps {
  tasks: AgentTaskService;
  queue: Pick<AgentRunsQueue, 'runTests'>;
  /** Longest `validate` waits for a runner (TDD_VALIDATE_WAIT_MS). */
  validateWaitMs: number;
}

/** The seeds' TDD agent: analysis and fix proposals as queries of a TDD session; validation as a runner job in its working directory. */
export class TddService {
  constructor(private readonly d: TddServiceDeps) {}

  /** In the given session of the caller's, or in a new TDD session. */
  async analyze(caller: Caller, req: TddAnalyzeRequest): Promise<TddAnalyzeResponse | AgentRunRef> {
    if (req.session_id !== undefined && (req.name !== undefined || req.options !== undefined)) {
      const path = req.name !== undefined ? 'body.name' : 'body.options';
      throw new ValidationError([{ path, message: 'applies only to a new session: leave it out when you give session_id', code: 'custom' }]);
    }
    const sessionId =
      req.session_id === undefined
        ? await this.d.tasks.newSession(caller, { templateId: TDD_TEMPLATE_ID, name: req.name ?? 'TDD analysis', options: req.options })
        : (await this.d.tasks.visible(caller, req.session_id)).id;
    const outcome = await this.d.tasks.ask(caller, sessionId, analyzePrompt(req));
    if (!outcome.done) return outcome.ref;
    return { session_id: sessionId, run_id: outcome.run.id, status: 'completed', ...readAnalysis(outcome.answer) };
  }

  /** A patch proposed against the session's working directory; nothing is applied. */
  async generate(caller: Caller, req: TddGenerateRequest): Promise<TddGenerateResponse | AgentRunRef> {
    const session = await this.d.tasks.visible(caller, req.session_id);
    const outcome = await this.d.tasks.ask(caller, session.id, generatePrompt(req));
    if (!outcome.done) return outcome.ref;
    return { session_id: session.id, run_id: outcome.run.id, status: 'completed', ...readGeneration(outcome.answer) };
  }

  /** Runs a test command the runners allow, by name, in the session's working directory. */
  async validate(caller: Caller, req: TddValidateRequest): Promise<TddValidateResponse> {
    const session = await this.d.tasks.visible(caller, req.session_id);
    let result;
    try {
      result = await this.d.queue.runTests({ v: 1, session_id: session.id, command: req.command }, this.d.validateWaitMs);
    } catch (err) {
      throw new AppError('BAD_GATEWAY', 'The runner could not run the test command', { cause: err });
    }
    if (result === undefined) {
      throw new AppError('UPSTREAM_TIMEOUT', `No runner reported the result of "${req.command}" within ${Math.round(this.d.validateWaitMs / 1000)} s`);
    }
    switch (result.outcome) {
      case 'unknown_command': {
        const allowed = result.allowed.length > 0 ? result.allowed.join(', ') : 'none (TDD_TEST_COMMANDS is empty)';
        throw new AppError('VALIDATION_ERROR', 'Request validation failed', {
          details: { issues: [{ path: 'body.command', message: `is not an allowed test command; allowed: ${allowed}`, code: 'custom' }], allowed: result.allowed },
        });
      }
      case 'no_workdir':
        throw new AppError('CONFLICT', 'The session has no working directory yet: put the code and its tests there first');
      case 'finished': {
        const { outcome: _outcome, ...run } = result;
        return { session_id: session.id, command: req.command, ...run };
      }
    }
  }
}
