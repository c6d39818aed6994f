import { TERMINAL_RUN_STATUSES, type AgentRunJob, type ProviderName } from '@platform/contracts';
import type { ConversationMessage, ModelProvider } from './providers/types';
import type { ProviderRegistry } from './providers/registry';
import type { ToolExecutor, ToolRegistry } from './tools/registry';
import type { PermissionPolicy } from './permissions';
import type { HistorySource } from './history';
import type { Workspaces } from './workspace/workspaces';
import { historyBefore, toConversation } from './conversation';
import { RunInputError } from './errors';

export const DEFAULT_SYSTEM_PROMPT =
  'You are an agent working in a private working directory. Use the tools to list, read, write and search ' +
  'files there, and to run commands in it with the shell tool; paths are relative to the working directory. Be concise.';

/** Everything one run needs, resolved from its job and its session's history. */
export interface RunPlan {
  provider: ModelProvider;
  model: string;
  system: string;
  history: ConversationMessage[];
  maxTurns: number;
  policy: PermissionPolicy;
  tools: ToolExecutor;
  /** True when sessions already ended the run (cancelled, timed out, failed by its watchdog): nothing to do. */
  endedElsewhere: boolean;
}

export interface RunPlanDeps {
  providers: ProviderRegistry;
  tools: ToolRegistry;
  history: HistorySource;
  workspaces: Workspaces;
  defaultMaxTurns: number;
}

/** The provider and model a job asks for (or this runner's defaults). */
export function modelOf(providers: ProviderRegistry, job: AgentRunJob): { providerName: ProviderName; model: string } {
  const providerName = job.options.provider ?? providers.defaultProvider;
  return { providerName, model: job.options.model ?? providers.defaultModel(providerName) };
}

/**
 * Resolves a run from its job and its session as it is now (read again by every attempt): the
 * permission settings come from the session's current options when sessions sends them, so a
 * permission remembered meanwhile applies; provider, model, prompt and turn limit stay the job's.
 */
export async function planRun(d: RunPlanDeps, job: AgentRunJob): Promise<RunPlan> {
  const { providerName, model } = modelOf(d.providers, job);
  const provider = d.providers.get(providerName);
  if (!provider) throw new RunInputError(`The ${providerName} provider is not configured on this runner.`);
  const session = await d.history.fetch(job.session_id, job.run_id);
  const history = toConversation(historyBefore(session.messages, job.run_id));
  const permissions = session.options ?? job.options;
  return {
    provider,
    model,
    system: job.options.system_prompt ?? DEFAULT_SYSTEM_PROMPT,
    history,
    maxTurns: job.options.max_turns ?? d.defaultMaxTurns,
    policy: {
      mode: permissions.permission_mode ?? 'default',
      allowedTools: permissions.allowed_tools ?? [],
      disallowedTools: permissions.disallowed_tools ?? [],
    },
    tools: d.tools.forWorkspace({
      workspace: d.workspaces.of(job.session_id),
      sessionId: job.session_id,
      network: permissions.network ?? { mode: 'none' },
    }),
    endedElsewhere: session.runStatus !== undefined && TERMINAL_RUN_STATUSES.includes(session.runStatus),
  };
}

export { workdirOf } from './workspace/workspaces';
