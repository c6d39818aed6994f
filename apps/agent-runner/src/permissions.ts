import type { PermissionMode } from '@platform/contracts';
import { SHELL_TOOL, decideShellRules } from '@platform/tool-policy';
import type { ToolKind } from './tools/types';

/** The permission settings of a run, from its session's options. */
export interface PermissionPolicy {
  mode: PermissionMode;
  /** Tool names and command rules (`shell(npm test *)`). */
  allowedTools: readonly string[];
  disallowedTools: readonly string[];
}

/** A decision as the `tool_use` event records it: who (or which rule) decided and, when denied, why. */
export interface PermissionDecision {
  decision: 'allow' | 'deny';
  decided_by: string;
  reason: string | null;
}

/** What the policy says about a call: a decision, or that a person must be asked first. */
export type PolicyVerdict = PermissionDecision | { decision: 'ask'; decided_by: string; reason: string };

/**
 * Decides one tool call: a tool that does not exist is denied; then the session's rules, deny first
 * (`disallowed_tools` always wins, for the shell also command rules, see decideShellRules), then
 * allow; then the mode: `default` runs read tools and asks a person about anything else,
 * `accept_edits` also runs file writes but asks before running commands, `bypass` allows every tool.
 */
export function decidePermission(
  tool: string,
  kind: ToolKind | undefined,
  policy: PermissionPolicy,
  input: Readonly<Record<string, unknown>> = {},
): PolicyVerdict {
  if (kind === undefined) return { decision: 'deny', decided_by: 'runner', reason: `There is no tool named "${tool}".` };
  if (tool === SHELL_TOOL) {
    const byRule = decideShellRules(String(input['command'] ?? ''), policy.allowedTools, policy.disallowedTools);
    if (byRule) return byRule;
  } else {
    if (policy.disallowedTools.includes(tool))
      return { decision: 'deny', decided_by: 'disallowed_tools', reason: `${tool} is in this session's disallowed_tools.` };
    if (policy.allowedTools.includes(tool)) return { decision: 'allow', decided_by: 'allowed_tools', reason: null };
  }
  const mode = `mode:${policy.mode}`;
  switch (policy.mode) {
    case 'bypass':
      return { decision: 'allow', decided_by: mode, reason: null };
    case 'accept_edits':
      if (kind !== 'execute') return { decision: 'allow', decided_by: mode, reason: null };
      return { decision: 'ask', decided_by: mode, reason: `${tool} runs code: a person is asked first (accept_edits allows file edits only).` };
    case 'default':
      if (kind === 'read') return { decision: 'allow', decided_by: mode, reason: null };
      return {
        decision: 'ask',
        decided_by: mode,
        reason: kind === 'execute' ? `${tool} runs code: the default permission mode asks a person first.` : `${tool} changes files: the default permission mode asks a person first.`,
      };
  }
}
