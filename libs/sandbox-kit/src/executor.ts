import type { SandboxExecRequest, SandboxExecResult } from '@platform/contracts';

/** No sandbox can run commands here (none configured, bubblewrap missing, the sandbox service down). */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** The command's working directory does not exist (never created, or its session was deleted). */
export class WorkspaceMissingError extends Error {
  constructor() {
    super('the working directory does not exist');
    this.name = 'WorkspaceMissingError';
  }
}

/** Runs commands in sessions' working directories, isolated; the only way the platform executes agent code. */
export interface SandboxExecutor {
  readonly kind: 'bwrap' | 'remote' | 'disabled';
  /**
   * Runs one command to its end (or until the signal aborts it: then everything it started is killed
   * and the result says `stopped: "cancelled"`). Throws SandboxUnavailableError when it cannot run at all.
   */
  run(request: SandboxExecRequest, signal?: AbortSignal): Promise<SandboxExecResult>;
  /** Resolves when commands can run now; rejects with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** What runs when no sandbox can be had: every command is refused with the reason, nothing runs unsandboxed. */
export class DisabledExecutor implements SandboxExecutor {
  readonly kind = 'disabled';

  constructor(private readonly reason: string) {}

  run(): Promise<SandboxExecResult> {
    return Promise.reject(new SandboxUnavailableError(this.reason));
  }

  check(): Promise<void> {
    return Promise.reject(new SandboxUnavailableError(this.reason));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
