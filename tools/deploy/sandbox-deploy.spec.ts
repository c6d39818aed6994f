/**
 * Where agent code runs in each deployment: the sandbox service, beside the runner, must hold none of
 * the runner's secrets (environment, Secret volumes, service account token) and share only the
 * workspaces and its socket with it; the runner must send every command there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { findRepoRoot } from '@platform/testing';
import { SANDBOX_DEPLOY_UID, configValue, loadConfigSchema } from './app-config';
import { generateEnvFile, interpolateDeep, parseDotenv } from './dotenv';
import { Rendered, kustomize, podTemplate } from './support/k8s';

const root = findRepoRoot();
const runnerSchema = loadConfigSchema(root, 'agent-runner');
const sandboxSchema = loadConfigSchema(root, 'sandbox');

describe.each(['dev', 'prod'])('k8s/overlays/%s: the agent-runner pod', (overlay) => {
  let k: Rendered;
  beforeAll(() => {
    k = new Rendered(kustomize(path.join(root, 'k8s', 'overlays', overlay)), `the ${overlay} overlay`);
  });

  it('runs the sandbox service as a second container of its own image', () => {
    const names = podTemplate(k.deployment('agent-runner')).spec.containers.map((c) => c.name);
    expect(names).toEqual(['agent-runner', 'sandbox']);
    expect(k.container('sandbox').image).toMatch(/(^|\/)sandbox:/);
  });

  it('gives the sandbox container none of the runner secrets: no Secret in its environment, no Secret volume, no API token', () => {
    const sandbox = k.container('sandbox');
    const env = k.env('sandbox');
    expect(env.secrets.size).toBe(0);
    expect(sandbox.envFrom?.filter((e) => e.secretRef) ?? []).toEqual([]);
    // Not even under another name: no value it gets is one of the runner's secret references.
    const runnerSecrets = [...k.env('agent-runner').secrets.keys()];
    expect(runnerSecrets).toEqual(expect.arrayContaining(['REGISTRY_TOKEN', 'REDIS_URL', 'SERVICE_CLIENT_SECRET']));
    expect(Object.keys(env.values).filter((v) => runnerSecrets.includes(v))).toEqual([]);
    const pod = podTemplate(k.deployment('agent-runner')).spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    for (const mount of sandbox.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      expect(volume?.secret ?? volume?.projected).toBeUndefined();
      expect(volume?.emptyDir ?? volume?.persistentVolumeClaim).toBeDefined();
    }
  });

  it('shares only the workspaces and the socket directory with the runner, at the paths both are configured with', () => {
    const runner = k.container('agent-runner');
    const sandbox = k.container('sandbox');
    const runnerEnv = k.env('agent-runner').values;
    const sandboxEnv = k.env('sandbox').values;
    expect(runnerEnv.SANDBOX).toBe('remote');
    expect(sandboxEnv.SANDBOX_SOCKET).toBe(runnerEnv.SANDBOX_SOCKET);
    const mountOf = (c: typeof runner, dir: string) => c.volumeMounts?.find((m) => m.mountPath === dir)?.name;
    const socketDir = path.dirname(String(runnerEnv.SANDBOX_SOCKET));
    expect(mountOf(runner, socketDir)).toBeDefined();
    expect(mountOf(sandbox, socketDir)).toBe(mountOf(runner, socketDir));
    const workdir = String(configValue(runnerSchema, runnerEnv, 'WORKDIR_ROOT'));
    expect(configValue(sandboxSchema, sandboxEnv, 'WORKDIR_ROOT')).toBe(workdir);
    expect(mountOf(sandbox, workdir)).toBe(mountOf(runner, workdir));
    const shared = (sandbox.volumeMounts ?? []).map((m) => m.name).filter((n) => runner.volumeMounts?.some((r) => r.name === n));
    expect(shared.sort()).toEqual([mountOf(runner, socketDir), mountOf(runner, workdir)].sort());
  });

  it('runs the sandbox as another user than the runner, and relaxes seccomp only for the sandbox container', () => {
    const pod = podTemplate(k.deployment('agent-runner')).spec;
    const sandbox = k.container('sandbox');
    expect(sandbox.securityContext?.runAsUser).toBe(SANDBOX_DEPLOY_UID);
    expect(sandbox.securityContext?.runAsUser).not.toBe(k.container('agent-runner').securityContext?.runAsUser ?? pod.securityContext?.runAsUser);
    expect(sandbox.securityContext?.seccompProfile?.type).toBe('Unconfined');
    expect(k.container('agent-runner').securityContext?.seccompProfile).toBeUndefined();
    expect((pod.securityContext as { seccompProfile?: { type: string } }).seccompProfile?.type).toBe('RuntimeDefault');
  });
});

describe('docker-compose.yml: the sandbox service', () => {
  interface Service {
    environment?: Record<string, string>;
    volumes?: string[];
    user?: string;
    security_opt?: string[];
  }
  const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
  const dotenv = Object.fromEntries(parseDotenv(generateEnvFile(fs.readFileSync(path.join(root, '.env.example'), 'utf8'))).map((e) => [e.key, e.value]));
  const services = interpolateDeep(parse(text, { merge: true }) as { services: Record<string, Service> }, dotenv).services;
  const runner = services['agent-runner']!;
  const sandbox = services.sandbox!;

  it('holds none of the runner secrets, nor any generated secret of the platform', () => {
    const secrets = Object.entries(dotenv).filter(([key]) => /SECRET|TOKEN|PASSWORD|KEY/.test(key)).map(([, value]) => value).filter(Boolean);
    const values = Object.values(sandbox.environment ?? {}).map(String);
    expect(secrets.length).toBeGreaterThan(3);
    expect(values.filter((v) => secrets.some((s) => v.includes(s)))).toEqual([]);
    expect(Object.keys(sandbox.environment ?? {}).filter((k) => /SECRET|TOKEN|PASSWORD|API_KEY|DATABASE_URL|REDIS_URL/.test(k))).toEqual([]);
  });

  it('shares the workspaces and the socket volume with the runner, which sends it every command', () => {
    expect(runner.environment?.SANDBOX).toBe('remote');
    expect(sandbox.environment?.SANDBOX_SOCKET).toBe(runner.environment?.SANDBOX_SOCKET);
    const socketVolume = runner.volumes?.find((v) => v.endsWith(`:${path.dirname(String(runner.environment?.SANDBOX_SOCKET))}`));
    expect(socketVolume).toBeDefined();
    expect(sandbox.volumes).toContain(socketVolume);
    expect(sandbox.volumes?.sort()).toEqual(runner.volumes?.filter((v) => sandbox.volumes?.includes(v)).sort());
    expect(sandbox.user).toBe(`${SANDBOX_DEPLOY_UID}:${SANDBOX_DEPLOY_UID}`);
    expect(sandbox.security_opt).toContain('seccomp:unconfined');
    expect(runner.security_opt ?? []).not.toContain('seccomp:unconfined');
  });
});
