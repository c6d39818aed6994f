import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureMigratedTemplate } from './database';
import { findRepoRoot } from './repo-root';

const run = promisify(execFile);

/**
 * What the service and e2e tiers start from, made before any test runs (Jest's globalSetup,
 * tools/jest/global-setup.js): every app's bundle (tools/jest/service-bundles.js) and every
 * Prisma service's migrated template database. Each is only checked when already up to date.
 */
export async function prepareTestRun(): Promise<void> {
  const root = findRepoRoot();
  const services = fs
    .readdirSync(path.join(root, 'apps'))
    .filter((app) => fs.existsSync(path.join(root, 'apps', app, 'prisma', 'schema.prisma')));
  await Promise.all([
    run(process.execPath, [path.join(root, 'tools', 'jest', 'service-bundles.js')], { cwd: root, maxBuffer: 1 << 20 }),
    ...services.map((service) => ensureMigratedTemplate(service)),
  ]);
}
