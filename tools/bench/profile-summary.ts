/** The parts of V8's `.cpuprofile` format the summary reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a script lives, as a short label: `express`, `@platform/service-kit`, `node:internal`, `(gc)`… */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const m = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return m ? `${m[1]}/${m[2]}` : url.replace(/^file:\/\//, '');
}

/** Self time by function and by package, in percent of all samples. */
export function summarizeProfile(p: CpuProfile, top: number): string {
  const hits = new Map<number, number>();
  for (const id of p.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = [...hits.values()].reduce((a, b) => a + b, 0) || 1;
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? n.hitCount ?? 0;
    if (!h) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.replace(/^.*\/(node_modules|apps|libs)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + h);
    const pkg = packageOf(url, functionName);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + h);
  }
  const lines = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return ['self time by package:', ...lines(byPkg), '', 'self time by function:', ...lines(byFn)].join('\n');
}

/** Inclusive time (self plus callees) of the functions whose script matches `filter`, in percent of all samples. */
export function inclusiveProfile(p: CpuProfile, filter: RegExp, top: number): string {
  const hits = new Map<number, number>();
  for (const id of p.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = [...hits.values()].reduce((a, b) => a + b, 0) || 1;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const memo = new Map<number, number>();
  const subtree = (id: number): number => {
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    const sum = (hits.get(id) ?? 0) + (n.children ?? []).reduce((a, c) => a + subtree(c), 0);
    memo.set(id, sum);
    return sum;
  };
  // A function can appear at several places in the tree; count each place once, skipping recursive re-entries.
  const byFn = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>) => {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|apps|libs)\//, '$1/')}:${lineNumber + 1}`;
    const counted = filter.test(url) && !onStack.has(fn);
    if (counted) byFn.set(fn, (byFn.get(fn) ?? 0) + subtree(id));
    const next = counted ? new Set(onStack).add(fn) : onStack;
    for (const c of n.children ?? []) walk(c, next);
  };
  walk(p.nodes[0]!.id, new Set());
  return [...byFn.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
}
