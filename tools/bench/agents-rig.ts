import { call, signIn, signUp, type BenchUser } from './accounts';
import { startBenchPlatform, waitFor, type BenchPlatform } from './platform';

/** The platform with sessions and agent-runner, an admin, and one user allowed many active sessions. */
export interface AgentsRig {
  platform: BenchPlatform;
  gateway: string;
  adminToken: string;
  user: BenchUser;
  createSessions(n: number, name: string): Promise<string[]>;
  stop(): Promise<void>;
}

export const SESSIONS = '/api/v1/sessions';

export async function startAgentsRig(runnerEnv: Record<string, string> = {}): Promise<AgentsRig> {
  const platform = await startBenchPlatform({ name: 'bench-agents', agents: true, runnerEnv });
  try {
    const gateway = platform.gateway.url;
    const registered = async (service: string) => {
      const res = await fetch(`${platform.registry.url}/registry/services/${service}`, { headers: { authorization: `Bearer ${platform.registryToken}` } });
      return res.ok && ((await res.json()) as { instances: unknown[] }).instances.length > 0;
    };
    for (const service of ['channels', 'sessions', 'agent-runner']) await waitFor(`${service} is registered`, () => registered(service));
    const adminToken = await signIn(gateway, platform.admin.email, platform.admin.password);
    const user = await signUp(gateway, 'runs');
    await call(gateway, 'PUT', `/users/${user.id}`, { token: adminToken, body: { max_concurrent_sessions: 1000 }, expect: 200 });
    const createSessions = async (n: number, name: string) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 20) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(20, n - i) }, (_, k) => call<{ id: string }>(gateway, 'POST', SESSIONS, { token: user.token, body: { name: `${name} ${i + k}` }, expect: 201 })),
        );
        ids.push(...batch.map((s) => s.id));
      }
      return ids;
    };
    return { platform, gateway, adminToken, user, createSessions, stop: () => platform.stop() };
  } catch (err) {
    await platform.stop();
    throw err;
  }
}
