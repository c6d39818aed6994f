/**
 * k8s/, rendered by `kubectl kustomize` for both overlays and checked against the code: every app
 * in apps/ (found by listing the folder) must have a Deployment whose environment satisfies that
 * app's own zod config schema, with probes, resources, a non-root read-only container and a drain
 * that fits in its grace period; a Service, a PodDisruptionBudget, a migration Job when it has a
 * database; and be reachable from outside the namespace only if it is the gateway.
 */
import path from 'node:path';
import { findRepoRoot } from '@platform/testing';
import { SIDECARS, configValue, deployEnvProblems, hasDatabase, listApps, loadConfigSchema } from './app-config';
import { Rendered, kustomize, podTemplate, preStopSeconds, selects, type Container } from './support/k8s';
import { FIELD_SAMPLES } from './support/k8s-env';
import { portsOpenToOutside } from './support/network-policy';

const root = findRepoRoot();
const apps = listApps(root);
const OVERLAYS = { dev: 'agent-platform-dev', prod: 'agent-platform' } as const;

describe.each(Object.entries(OVERLAYS))('k8s/overlays/%s', (overlay, namespace) => {
  let k: Rendered;
  beforeAll(() => {
    k = new Rendered(kustomize(path.join(root, 'k8s', 'overlays', overlay)), `the ${overlay} overlay`);
  });

  describe.each(apps)('%s', (app) => {
    const schema = loadConfigSchema(root, app);
    const port = () => configValue(schema, k.env(app).values, 'PORT');
    // Port names are unique within a pod: a sidecar's port is named after it.
    const portName = SIDECARS[app] ? app : 'http';

    it('has a Deployment with startup, readiness (/ready) and liveness (/health) probes on its configured port', () => {
      const c = k.container(app);
      expect(c.ports).toEqual([{ name: portName, containerPort: port() }]);
      expect(c.image).toMatch(new RegExp(`(^|/)${app}:${overlay === 'dev' ? 'dev' : '[0-9][\\w.-]*'}$`));
      expect(c.args ?? ['serve']).toEqual(['serve']);
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: portName });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: portName });
      expect(c.startupProbe?.httpGet?.path).toBe('/health');
      const startupBudget = (c.startupProbe?.periodSeconds ?? 10) * (c.startupProbe?.failureThreshold ?? 3);
      expect(startupBudget).toBeGreaterThanOrEqual(30);
    });

    it('sets resource requests and limits, runs non-root with a read-only root filesystem and a writable /tmp', () => {
      const pod = podTemplate(k.deployment(app)).spec;
      const c = k.container(app);
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(c.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    });

    it('waits in preStop, then gets longer than its drain (SHUTDOWN_TIMEOUT_MS) before it is killed', () => {
      const preStop = preStopSeconds(k.container(app)) ?? 0;
      expect(preStop).toBeGreaterThanOrEqual(3);
      const drainMs = configValue(schema, k.env(app).values, 'SHUTDOWN_TIMEOUT_MS') as number;
      expect(podTemplate(k.deployment(app)).spec.terminationGracePeriodSeconds).toBeGreaterThan(
        preStop + drainMs / 1000,
      );
    });

    it('gets every variable its config schema needs from ConfigMaps and Secret references, with values it accepts', () => {
      const env = k.env(app);
      expect(env.problems).toEqual([]);
      const problems = deployEnvProblems(schema, {
        values: env.values,
        unknownValue: new Set(env.secrets.keys()),
        mayBeAbsent: new Set([...env.secrets].filter(([, s]) => s.optional).map(([key]) => key)),
        helpers: env.helpers,
      });
      expect(problems).toEqual([]);
      if (env.values.PUBLIC_URL !== undefined) {
        // Advertised to the registry: this pod's own address (downward API), on the port it listens on.
        const url = new URL(env.values.PUBLIC_URL);
        expect(url.hostname).toBe(FIELD_SAMPLES['status.podIP']);
        expect(Number(url.port)).toBe(port());
      }
    });

    const sidecar = SIDECARS[app] !== undefined;
    it(sidecar ? 'has no Service: it is reached only through its pod' : 'has a Service and a PodDisruptionBudget selecting its pods (and never migration pods)', () => {
      if (sidecar) {
        const targets = k.objects
          .filter((o) => o.kind === 'Service')
          .flatMap((o) => ((o.spec as { ports?: Array<{ targetPort?: string | number }> }).ports ?? []).map((p) => p.targetPort));
        expect(targets).not.toContain(portName);
        expect(targets).not.toContain(port());
        return;
      }
      const labels = podTemplate(k.deployment(app)).metadata.labels;
      const svc = k.find('Service', app)?.spec as { selector?: Record<string, string>; ports?: unknown[] } | undefined;
      expect(svc?.selector && Object.keys(svc.selector).length > 0 && selects(svc.selector, labels)).toBe(true);
      expect(svc?.ports).toEqual([expect.objectContaining({ port: port(), targetPort: 'http' })]);
      for (const job of k.objects.filter((o) => o.kind === 'Job')) {
        expect(selects(svc?.selector, podTemplate(job).metadata.labels)).toBe(false);
      }
      const pdb = k.objects.find(
        (o) =>
          o.kind === 'PodDisruptionBudget' &&
          selects((o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, labels),
      );
      expect(pdb?.spec).toEqual(expect.objectContaining({ maxUnavailable: expect.anything() }));
    });

    const withDb = hasDatabase(root, app);
    it(withDb ? 'migrates with a Job of its own image (`migrate`) and DATABASE_URL' : 'has no migration Job', () => {
      const image = k.container(app).image;
      const jobs = k.objects.filter(
        (o) => o.kind === 'Job' && podTemplate(o).spec.containers.some((c) => c.image === image),
      );
      expect(jobs).toHaveLength(withDb ? 1 : 0);
      if (!withDb) return;
      const pod = podTemplate(jobs[0]!).spec;
      const c = pod.containers[0]!;
      expect(c.args).toEqual(['migrate']);
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
      const ref = (x: Container) => x.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
      expect(ref(c)).toBeDefined();
      expect(ref(c)).toEqual(ref(k.container(app)));
    });

    it('is reachable from outside the namespace only if it is the gateway, and then only on its HTTP port', () => {
      const open = portsOpenToOutside(podTemplate(k.deployment(app)).metadata.labels, k.objects, namespace);
      expect(open).toEqual(app === 'gateway' ? ['http'] : []);
    });
  });
});
