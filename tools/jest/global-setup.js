// Jest globalSetup of every project (jest.preset.js). Before any test runs:
// - the service bundles and the migrated template databases are made (or found up to date), so no
//   test's time limit pays for them;
// - a run directory is made (env TEST_RUN_DIR, inherited by the workers) where workers note what the
//   resources they share between test files leave behind (libs/testing workerShared), for
//   global-teardown.js to remove.
// The unit tier needs none of it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  if (process.env.TEST_TIER === 'unit') return;
  const started = Date.now();
  process.env.TEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'jest-run-'));
  // TypeScript, loaded through the project's transform (Jest transforms what globalSetup requires).
  const { prepareTestRun } = require('../../libs/testing/src/prepare');
  await prepareTestRun();
  if (process.env.TEST_PREPARE_VERBOSE) process.stdout.write(`prepared service bundles and template databases in ${Date.now() - started} ms\n`);
};
