import { z } from 'zod';
import { SandboxSettingsShape, sandboxSettingsProblems } from './settings';

const settings = (env: Record<string, string>) => z.object(SandboxSettingsShape).parse(env);
const problems = (env: Record<string, string>) => sandboxSettingsProblems(settings(env), { workdirRoot: '/srv/app/.data/workspaces', cwd: '/srv/app' });

describe('sandboxSettingsProblems', () => {
  it('refuses read-only paths that would expose the platform or the workspaces', () => {
    for (const p of ['/', '/srv', '/srv/app', '/srv/app/.data', '/srv/app/.data/workspaces', '/srv/app/.data/workspaces/abc', 'relative/dir'])
      expect([p, problems({ SANDBOX_RO_PATHS: p }).length]).toEqual([p, 1]);
  });

  it('accepts a toolchain elsewhere and a subtree the operator names inside the platform directory', () => {
    expect(problems({ SANDBOX_RO_PATHS: '/opt/python,/srv/app/node_modules' })).toEqual([]);
  });

  it('needs a socket for a remote sandbox, a timeout within its maximum and real CIDRs', () => {
    expect(problems({ SANDBOX: 'remote' }).map((p) => p.path)).toEqual(['SANDBOX_SOCKET']);
    expect(problems({ SANDBOX_TIMEOUT_MS: '5000', SANDBOX_MAX_TIMEOUT_MS: '1000' }).map((p) => p.path)).toEqual(['SANDBOX_TIMEOUT_MS']);
    expect(problems({ SANDBOX_EGRESS_ALLOW_PRIVATE: '10.0.0.0/8,localhost' }).map((p) => p.path)).toEqual(['SANDBOX_EGRESS_ALLOW_PRIVATE']);
  });
});
