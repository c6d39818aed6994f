import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@platform/service-kit';
import { BwrapExecutor } from './bwrap-executor';
import { DisabledExecutor, type SandboxExecutor } from './executor';
import { RemoteExecutor } from './remote-executor';
import type { SandboxSettings } from './settings';

/**
 * The executor SANDBOX asks for. A local bubblewrap sandbox is tried once at start: when it cannot be
 * made (bubblewrap missing, user namespaces off), commands are disabled with that reason and an error
 * is logged; they never run unsandboxed. A remote one is checked by each call (the service may start later).
 */
export async function createSandboxExecutor(settings: SandboxSettings, o: { workdirRoot: string; logger: Logger }): Promise<SandboxExecutor> {
  switch (settings.SANDBOX) {
    case 'disabled':
      o.logger.warn('SANDBOX=disabled: the shell tool and /tdd/validate are turned off');
      return new DisabledExecutor('code execution is turned off on this runner (SANDBOX=disabled)');
    case 'remote':
      return new RemoteExecutor({ socketPath: settings.SANDBOX_SOCKET! });
    case 'bwrap': {
      const runtimeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'platform-sandbox-'));
      const executor = await BwrapExecutor.create({ settings, workdirRoot: o.workdirRoot, runtimeDir, logger: o.logger });
      try {
        await executor.check();
        return executor;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        o.logger.error(
          'NO SANDBOX: commands cannot be isolated here, so the shell tool and /tdd/validate are disabled. ' +
            'Install bubblewrap and allow unprivileged user namespaces (see apps/agent-runner/README.md), or run the sandbox service (SANDBOX=remote).',
          { reason },
        );
        await executor.close();
        return new DisabledExecutor(`no sandbox can be created on this runner: ${reason}`);
      }
    }
  }
}
