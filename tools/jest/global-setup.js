// Jest globalSetup of every project (jest.preset.js): before any test runs, the service bundles and
// the migrated template databases are made (or found up to date), so no test's time limit pays for them.
// The unit tier needs neither.
module.exports = async function globalSetup() {
  if (process.env.TEST_TIER === 'unit') return;
  const started = Date.now();
  // TypeScript, loaded through the project's transform (Jest transforms what globalSetup requires).
  const { prepareTestRun } = require('../../libs/testing/src/prepare');
  await prepareTestRun();
  if (process.env.TEST_PREPARE_VERBOSE) process.stdout.write(`prepared service bundles and template databases in ${Date.now() - started} ms\n`);
};
