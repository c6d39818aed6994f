import type { Container, K8sObject } from './k8s';

/** Stand-ins for downward-API fields, as the kubelet would fill them in. */
export const FIELD_SAMPLES: Record<string, string> = {
  'status.podIP': '10.244.1.23',
  'status.hostIP': '10.0.0.5',
  'metadata.name': 'pod-5d8f7c9b4-x2x7q',
  'metadata.namespace': 'agent-platform',
};

export interface ResolvedEnv {
  /** Every variable the container gets, with its value; Secret values are unknown (a placeholder). */
  values: Record<string, string>;
  /** Variables from Secret references, with whether the reference is optional. */
  secrets: Map<string, { secret: string; key: string; optional: boolean }>;
  /** Where each variable comes from, for messages. */
  sources: Map<string, string>;
  /** Variables only used to build others (`$(POD_IP)`). */
  helpers: Set<string>;
  problems: string[];
}

/** The environment of `container` as the kubelet builds it: envFrom ConfigMaps, then env with `$(VAR)` expansion. */
export function resolveEnv(container: Container, objects: K8sObject[]): ResolvedEnv {
  const out: ResolvedEnv = { values: {}, secrets: new Map(), sources: new Map(), helpers: new Set(), problems: [] };
  const configMap = (name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  for (const from of container.envFrom ?? []) {
    if (from.secretRef)
      out.problems.push(
        `envFrom secretRef ${from.secretRef.name}: its keys cannot be checked; list them with secretKeyRef`,
      );
    if (!from.configMapRef) continue;
    const cm = configMap(from.configMapRef.name);
    if (!cm) {
      if (!from.configMapRef.optional)
        out.problems.push(`envFrom ConfigMap ${from.configMapRef.name} is not in the rendered manifests`);
      continue;
    }
    for (const [k, v] of Object.entries(cm.data ?? {})) {
      out.values[k] = v;
      out.sources.set(k, `ConfigMap ${cm.metadata.name}`);
      out.secrets.delete(k);
    }
  }
  for (const e of container.env ?? []) {
    const v = e.valueFrom;
    out.secrets.delete(e.name);
    if (e.value !== undefined) {
      out.values[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, ref: string) => {
        out.helpers.add(ref);
        return out.values[ref] ?? whole;
      });
      out.sources.set(e.name, 'env value');
    } else if (v?.secretKeyRef) {
      out.values[e.name] = `<secret ${v.secretKeyRef.name}/${v.secretKeyRef.key}>`;
      out.secrets.set(e.name, {
        secret: v.secretKeyRef.name,
        key: v.secretKeyRef.key,
        optional: v.secretKeyRef.optional === true,
      });
      out.sources.set(e.name, `Secret ${v.secretKeyRef.name}/${v.secretKeyRef.key}`);
    } else if (v?.configMapKeyRef) {
      const value = configMap(v.configMapKeyRef.name)?.data?.[v.configMapKeyRef.key];
      if (value === undefined)
        out.problems.push(`${e.name}: ConfigMap key ${v.configMapKeyRef.name}/${v.configMapKeyRef.key} not found`);
      else out.values[e.name] = value;
      out.sources.set(e.name, `ConfigMap ${v.configMapKeyRef.name}/${v.configMapKeyRef.key}`);
    } else if (v?.fieldRef) {
      const sample = FIELD_SAMPLES[v.fieldRef.fieldPath];
      if (sample === undefined) out.problems.push(`${e.name}: unexpected fieldRef ${v.fieldRef.fieldPath}`);
      else out.values[e.name] = sample;
      out.sources.set(e.name, `fieldRef ${v.fieldRef.fieldPath}`);
    } else {
      out.problems.push(`${e.name}: neither value nor a known valueFrom`);
    }
  }
  return out;
}
