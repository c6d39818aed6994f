import {
  RunStatusSchema,
  SOLO_TEMPLATE_ID,
  SoloEventSchema,
  type AgentRunRef,
  type SoloGenesisRequest,
  type SoloGenesisResponse,
  type SoloOrchestratorRequest,
  type SoloOrchestratorResponse,
  type SoloStatusResponse,
} from '@platform/contracts';
import { ValidationError } from '@platform/service-kit';
import type { AgentSessionsRepository } from '../../repositories/agent-sessions.repository';
import type { Caller } from '../caller';
import type { AgentTaskService } from './agent-task.service';
import { genesisPrompt, orchestratorPrompt } from './agent-prompts';
import { readGenesis } from './agent-answers';

const notSolo = (path: string) =>
  new ValidationError([{ path, message: 'is not a SOLO session (start one with POST /solo/genesis)', code: 'custom' }]);

/** A session name from the first words of a description. */
const nameFrom = (description: string) => {
  const flat = description.replace(/\s+/g, ' ').trim();
  return `SOLO: ${flat.length > 60 ? `${flat.slice(0, 59)}…` : flat}`;
};

/** The seeds' SOLO agent: a requirements interview in a session of its own, then orchestrator events as further queries. */
export class SoloService {
  constructor(private readonly d: { tasks: AgentTaskService; repo: AgentSessionsRepository }) {}

  async genesis(caller: Caller, req: SoloGenesisRequest): Promise<SoloGenesisResponse | AgentRunRef> {
    const sessionId = await this.d.tasks.newSession(caller, {
      templateId: SOLO_TEMPLATE_ID,
      name: req.name ?? nameFrom(req.description),
      channelId: req.channel_id,
      options: req.options,
    });
    const outcome = await this.d.tasks.ask(caller, sessionId, genesisPrompt(req.description));
    if (!outcome.done) return outcome.ref;
    return { session_id: sessionId, run_id: outcome.run.id, status: 'completed', ...readGenesis(outcome.answer) };
  }

  /** Queues the event as the session's next query (behind a run still going); the run is the event's record. */
  async orchestrate(caller: Caller, req: SoloOrchestratorRequest): Promise<SoloOrchestratorResponse> {
    const session = await this.d.tasks.visible(caller, req.session_id);
    if (session.templateId !== SOLO_TEMPLATE_ID) throw notSolo('body.session_id');
    const started = await this.d.tasks.start(caller, session.id, orchestratorPrompt(req.event));
    return { ...started, event_type: req.event.type };
  }

  /** The caller's SOLO sessions (or the one asked about) with their runs. */
  async status(caller: Caller, sessionId: string | undefined): Promise<SoloStatusResponse> {
    let ownerId = caller.userId;
    if (sessionId !== undefined) {
      const session = await this.d.tasks.visible(caller, sessionId);
      if (session.templateId !== SOLO_TEMPLATE_ID) throw notSolo('query.session_id');
      ownerId = session.ownerId;
    }
    const rows = await this.d.repo.ofTemplate({ ownerId, templateId: SOLO_TEMPLATE_ID, ...(sessionId ? { sessionId } : {}), limit: 20 });
    return {
      agent: 'solo',
      status: 'available',
      template_id: SOLO_TEMPLATE_ID,
      event_types: SoloEventSchema.options.map((o) => o.shape.type.value),
      sessions: rows.map((r) => ({
        session_id: r.session.id,
        name: r.session.name,
        status: r.session.status === 'archived' ? 'archived' : 'active',
        created_at: r.session.createdAt.toISOString(),
        runs: r.runs,
        busy: r.busy,
        last_run: r.lastRun
          ? {
              run_id: r.lastRun.id,
              status: RunStatusSchema.parse(r.lastRun.status),
              created_at: r.lastRun.createdAt.toISOString(),
              finished_at: r.lastRun.finishedAt?.toISOString() ?? null,
            }
          : null,
      })),
      timestamp: new Date().toISOString(),
    };
  }
}
