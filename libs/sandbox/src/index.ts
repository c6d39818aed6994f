export { SandboxSettingsShape, sandboxSettingsProblems, type SandboxSettings } from './settings';
export { DisabledExecutor, SandboxUnavailableError, type SandboxExecutor } from './executor';
export { BwrapExecutor, type BwrapExecutorOptions } from './bwrap-executor';
export { CappedOutput } from './capped-output';
export { workspaceUsage } from './workspace-usage';
export { SANDBOX_HOME } from './host-layout';
export type { Resolve } from './egress-proxy';
export { RemoteExecutor, SANDBOX_CHECK_PATH, SANDBOX_EXEC_PATH } from './remote-executor';
export { createSandboxExecutor } from './create';
