export { SandboxSettingsShape, sandboxSettingsProblems, type SandboxSettings } from './settings';
export { DisabledExecutor, SandboxUnavailableError, WorkspaceMissingError, type SandboxExecutor } from './executor';
export { BwrapExecutor, type BwrapExecutorOptions } from './bwrap-executor';
export { CappedOutput } from './capped-output';
export { ENTRY_COST_BYTES, USAGE_MAX_DEPTH, USAGE_MAX_ENTRIES, workspaceUsage, type WorkspaceUsage } from './workspace-usage';
export { SANDBOX_HOME } from './host-layout';
export type { Resolve } from './egress-proxy';
export { RemoteExecutor, SANDBOX_CHECK_PATH, SANDBOX_EXEC_PATH } from './remote-executor';
export { createSandboxExecutor } from './create';
