import fs from 'node:fs';
import path from 'node:path';

/** The monorepo root: the nearest ancestor of `from` holding both `nx.json` and `package.json`. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'nx.json')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no monorepo root (nx.json) above ${from}`);
    dir = parent;
  }
}
