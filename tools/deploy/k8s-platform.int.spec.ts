/**
 * k8s/ beyond single services: namespaces, no committed secrets, the HPAs, the agent workspaces
 * volume, the gateway's headless Service for HAProxy, the README's list of Secrets to create, and
 * the optional KEDA component added to the prod overlay.
 */
import path from 'node:path';
import { AGENT_RUNS_QUEUE } from '@platform/contracts';
import { findRepoRoot } from '@platform/testing';
import { configValue, listApps, loadConfigSchema } from './app-config';
import { Rendered, kustomize, kustomizeWithComponents, podTemplate, selects } from './support/k8s';
import { resolveEnv } from './support/k8s-env';
import { readmeSection } from './support/readme';

const root = findRepoRoot();
const OVERLAYS = { dev: 'agent-platform-dev', prod: 'agent-platform' } as const;
const CPU_SCALED = ['gateway', 'sessions'];

/** Every `<secret> <key>` the rendered Deployments and Jobs read. */
function secretRefs(k: Rendered): Set<string> {
  const refs = new Set<string>();
  for (const o of k.objects.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
    for (const c of podTemplate(o).spec.containers) {
      for (const [, s] of resolveEnv(c, k.objects).secrets) refs.add(`${s.secret} ${s.key}`);
    }
  }
  return refs;
}

describe.each(Object.entries(OVERLAYS))('k8s/overlays/%s', (overlay, namespace) => {
  let k: Rendered;
  beforeAll(() => {
    k = new Rendered(kustomize(path.join(root, 'k8s', 'overlays', overlay)), `the ${overlay} overlay`);
  });

  it(`puts everything in namespace ${namespace} and commits no Secret`, () => {
    expect(k.objects.length).toBeGreaterThan(listApps(root).length * 3);
    const misplaced = k.objects
      .filter((o) => o.metadata.namespace !== namespace)
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(misplaced).toEqual([]);
    expect(k.objects.filter((o) => o.kind === 'Secret' || o.stringData !== undefined)).toEqual([]);
  });

  it.each(CPU_SCALED)('scales %s on CPU with an HPA that owns its replica count', (app) => {
    const hpa = k.objects.find(
      (o) =>
        o.kind === 'HorizontalPodAutoscaler' &&
        (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === app,
    );
    const spec = hpa?.spec as {
      scaleTargetRef: { kind: string };
      minReplicas: number;
      maxReplicas: number;
      metrics: unknown[];
    };
    expect(spec.scaleTargetRef.kind).toBe('Deployment');
    expect(spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } },
      },
    ]);
    expect(spec.minReplicas).toBeGreaterThanOrEqual(overlay === 'prod' ? 2 : 1);
    expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
    expect(k.deployment(app).spec?.replicas).toBeUndefined();
  });

  it("mounts one ReadWriteMany claim at agent-runner's WORKDIR_ROOT", () => {
    const workdir = configValue(loadConfigSchema(root, 'agent-runner'), k.env('agent-runner').values, 'WORKDIR_ROOT');
    const mount = k.container('agent-runner').volumeMounts?.find((m) => m.mountPath === workdir);
    const volumes = podTemplate(k.deployment('agent-runner')).spec.volumes ?? [];
    const claim = volumes.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
    expect(claim).toBeDefined();
    expect((k.find('PersistentVolumeClaim', claim!)?.spec as { accessModes: string[] }).accessModes).toEqual([
      'ReadWriteMany',
    ]);
  });

  it('exposes the gateway through a headless Service too, for HAProxy DNS discovery', () => {
    const headless = k.objects.find(
      (o) => o.kind === 'Service' && (o.spec as { clusterIP?: string }).clusterIP === 'None',
    );
    const selector = (headless?.spec as { selector: Record<string, string> } | undefined)?.selector;
    expect(selector && selects(selector, podTemplate(k.deployment('gateway')).metadata.labels)).toBe(true);
  });

  it('names every Secret and key it references in the README, where the operator learns to create them', () => {
    const section = readmeSection(root, 'Deploying');
    const refs = secretRefs(k);
    expect(refs.size).toBeGreaterThan(0);
    for (const ref of refs) {
      const [secret, key] = ref.split(' ') as [string, string];
      expect(section.includes(secret) && section.includes(key) ? ref : `${ref} not in README "Deploying"`).toBe(ref);
    }
  });
});

describe('the optional KEDA component (k8s/components/agent-runner-keda), added to the prod overlay', () => {
  let k: Rendered;
  beforeAll(() => {
    const component = path.join(root, 'k8s', 'components', 'agent-runner-keda');
    k = new Rendered(kustomizeWithComponents(path.join(root, 'k8s', 'overlays', 'prod'), [component]), 'prod + KEDA');
  });

  it('scales agent-runner on the depth of the BullMQ wait list it consumes, and takes over its replica count', () => {
    const spec = k.objects.find((o) => o.kind === 'ScaledObject')?.spec as {
      scaleTargetRef: { name: string };
      triggers: Array<{ type: string; metadata: Record<string, string> }>;
    };
    expect(spec.scaleTargetRef.name).toBe('agent-runner');
    const prefix = configValue(loadConfigSchema(root, 'agent-runner'), k.env('agent-runner').values, 'QUEUE_PREFIX');
    expect(spec.triggers).toEqual([
      expect.objectContaining({
        type: 'redis',
        metadata: expect.objectContaining({ listName: `${String(prefix)}:${AGENT_RUNS_QUEUE}:wait` }),
      }),
    ]);
    expect(k.deployment('agent-runner').spec?.replicas).toBeUndefined();
  });

  it('documents the Secret its TriggerAuthentication reads', () => {
    const auth = k.objects.find((o) => o.kind === 'TriggerAuthentication');
    const refs = (auth?.spec as { secretTargetRef: Array<{ name: string; key: string }> }).secretTargetRef;
    const section = readmeSection(root, 'Deploying');
    for (const r of refs) {
      expect(section.includes(r.name) && section.includes(r.key) ? r.key : `${r.name}/${r.key} not in README`).toBe(
        r.key,
      );
    }
  });
});
