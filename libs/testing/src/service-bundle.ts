import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from './repo-root';

/** How a service process is run: its prebuilt bundle (default), or its sources through tsx. */
export type ServiceRuntime = 'bundle' | 'tsx';

/** The signature of tools/jest/service-bundles.js (declared here: tools/ is outside the Nx graph). */
interface ServiceBundles {
  freshBundle(root: string, app: string): string | undefined;
}

const run = promisify(execFile);

/** env TEST_SERVICE_RUNTIME (`bundle` or `tsx`), else `bundle`. */
export function defaultServiceRuntime(): ServiceRuntime {
  const runtime = process.env.TEST_SERVICE_RUNTIME ?? 'bundle';
  if (runtime !== 'bundle' && runtime !== 'tsx') throw new Error(`TEST_SERVICE_RUNTIME must be bundle or tsx, not ${runtime}`);
  return runtime;
}

/**
 * The path of `app`'s prebuilt bundle (tools/jest/service-bundles.js), built first when missing or
 * older than any file it is made of. The build runs in its own Node process (esbuild configs load
 * TypeScript through tsx, which a Jest worker cannot host) and at most once across parallel workers.
 */
export async function serviceBundle(app: string): Promise<string> {
  const root = findRepoRoot();
  const script = path.join(root, 'tools', 'jest', 'service-bundles.js');
  const bundles = (await import(script)) as ServiceBundles;
  const fresh = bundles.freshBundle(root, app);
  if (fresh) return fresh;
  const { stdout } = await run(process.execPath, [script, app], { cwd: root, maxBuffer: 1 << 20 });
  const [built] = JSON.parse(stdout) as string[];
  if (!built) throw new Error(`building the ${app} bundle printed no path`);
  return built;
}
