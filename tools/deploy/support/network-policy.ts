import { selects, type K8sObject } from './k8s';

interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface NetworkPolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: Array<{ from?: PolicyPeer[]; ports?: Array<{ port?: string | number }> }>;
}

/**
 * Whether pods with `labels` accept connections from outside their namespace under `objects`'
 * NetworkPolicies (ingress is allowed unless some policy selects the pod; then only what a rule of
 * a selecting policy allows). Returns the ports open to the outside ('*' for all), empty when none.
 */
export function portsOpenToOutside(labels: Record<string, string>, objects: K8sObject[], namespace: string): string[] {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => o.spec as unknown as NetworkPolicySpec)
    .filter((p) => (p.policyTypes ?? ['Ingress']).includes('Ingress') && selects(p.podSelector.matchLabels, labels));
  if (policies.length === 0) return ['*'];
  const insideOnly = (peer: PolicyPeer) =>
    !peer.ipBlock &&
    (!peer.namespaceSelector || peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] === namespace);
  const open = new Set<string>();
  for (const rule of policies.flatMap((p) => p.ingress ?? [])) {
    if (rule.from && rule.from.length > 0 && rule.from.every(insideOnly)) continue;
    if (!rule.ports || rule.ports.length === 0) open.add('*');
    for (const p of rule.ports ?? []) open.add(String(p.port ?? '*'));
  }
  return [...open].sort();
}
