/**
 * A working directory's usage against its quota. The implementation lives in the sandbox library,
 * whose executor enforces the same quota on commands: one measure for file tools, forks and
 * commands (see workspaceUsage there: never follows a link, walks through descriptors, bounded).
 */
export {
  ENTRY_COST_BYTES,
  USAGE_MAX_DEPTH,
  USAGE_MAX_ENTRIES,
  workspaceUsage,
  type WorkspaceUsage,
} from '@platform/sandbox-kit';
