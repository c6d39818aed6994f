import type { PermissionMode } from '@platform/contracts';
import type { ToolKind } from './tools/types';

/** The permission settings of a run, from its session's options. */
export interface PermissionPolicy {
  mode: PermissionMode;
  allowedTools: readonly string[];
  disallowedTools: readonly string[];
}

/** A decision as the `tool_use` event records it: who decided and, when denied, why. */
export interface PermissionDecision {
  decision: 'allow' | 'deny';
  decided_by: string;
  reason: string | null;
}

/** What the policy says about a call: a decision, or that a person must be asked first. */
export type PolicyVerdict = PermissionDecision | { decision: 'ask'; decided_by: string; reason: string };

/**
 * Decides one tool call: a tool that does not exist is denied, then `disallowed_tools` always wins,
 * then `allowed_tools`, then the mode: `default` runs read tools and asks a person about anything
 * else; `accept_edits` and `bypass` allow every tool there is.
 */
export function decidePermission(tool: string, kind: ToolKind | undefined, policy: PermissionPolicy): PolicyVerdict {
  if (kind === undefined)
    return { decision: 'deny', decided_by: 'runner', reason: `There is no tool named "${tool}".` };
  if (policy.disallowedTools.includes(tool)) {
    return {
      decision: 'deny',
      decided_by: 'disallowed_tools',
      reason: `${tool} is in this session's disallowed_tools.`,
    };
  }
  if (policy.allowedTools.includes(tool)) return { decision: 'allow', decided_by: 'allowed_tools', reason: null };
  switch (policy.mode) {
    case 'bypass':
      return { decision: 'allow', decided_by: 'mode:bypass', reason: null };
    case 'accept_edits':
      return { decision: 'allow', decided_by: 'mode:accept_edits', reason: null };
    case 'default':
      if (kind === 'read') return { decision: 'allow', decided_by: 'mode:default', reason: null };
      return {
        decision: 'ask',
        decided_by: 'mode:default',
        reason: `${tool} changes files: the default permission mode asks a person first.`,
      };
  }
}
