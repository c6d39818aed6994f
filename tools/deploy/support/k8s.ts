import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { SIDECARS } from '../app-config';
import { resolveEnv, type ResolvedEnv } from './k8s-env';

/** A rendered Kubernetes object (only the fields the checks read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** `kubectl kustomize <dir>` parsed into objects. */
export function kustomize(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.error?.message ?? r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => {
      if (d.errors.length > 0)
        throw new Error(`kustomize output of ${dir} is not valid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJSON() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/**
 * Renders the overlay in `overlayDir` as if `components` were added to its `components:` list (the
 * way the README says to enable them), from a copy of its kustomization.yaml in a throwaway folder.
 */
export function kustomizeWithComponents(overlayDir: string, components: string[]): K8sObject[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-'));
  try {
    const k = parse(fs.readFileSync(path.join(overlayDir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
    const moved = (p: string) => path.relative(dir, path.resolve(overlayDir, p));
    for (const key of ['resources', 'components']) {
      if (Array.isArray(k[key])) k[key] = (k[key] as string[]).map(moved);
    }
    for (const patch of (k.patches as Array<{ path?: string }> | undefined) ?? [])
      if (patch.path) patch.path = moved(patch.path);
    k.components = [...((k.components as string[] | undefined) ?? []), ...components.map((c) => path.relative(dir, c))];
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify(k));
    return kustomize(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: Array<{ name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string }; secret?: object; projected?: object }>;
  automountServiceAccountToken?: boolean;
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

export const podTemplate = (o: K8sObject): PodTemplate => (o.spec as { template: PodTemplate }).template;

/** Lookups in one rendering. */
export class Rendered {
  constructor(
    readonly objects: K8sObject[],
    private readonly label: string,
  ) {}

  find(kind: string, name: string): K8sObject | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  /** The Deployment whose pods run the app (for a sidecar, its host's). */
  deployment(app: string): K8sObject {
    const name = SIDECARS[app] ?? app;
    const d = this.find('Deployment', name);
    if (!d) throw new Error(`no Deployment ${name} in ${this.label}`);
    return d;
  }

  /** The app's container: the one named after it (a sidecar), else the Deployment's first. */
  container(app: string): Container {
    const containers = podTemplate(this.deployment(app)).spec.containers;
    const c = SIDECARS[app] ? containers.find((x) => x.name === app) : containers[0];
    if (!c) throw new Error(`no container ${app} in ${this.label}`);
    return c;
  }

  env(app: string): ResolvedEnv {
    return resolveEnv(this.container(app), this.objects);
  }
}

/** Seconds the container's preStop hook waits (`sleep N` or the native sleep action). */
export function preStopSeconds(c: Container): number | undefined {
  const pre = c.lifecycle?.preStop;
  if (pre?.sleep) return pre.sleep.seconds;
  const cmd = pre?.exec?.command ?? [];
  return cmd[0] === 'sleep' ? Number(cmd[1]) : undefined;
}

/** Whether every `selector` pair is among `labels`. */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
