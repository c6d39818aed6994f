// Shared Jest settings for every project: SWC transpiles TypeScript (type-checking is `npm run typecheck`),
// and tsconfig path aliases resolve to the libraries' sources.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[/@-]/g, (c) => `\\${c}`)}$`,
    path.join(__dirname, target),
  ]),
);

/**
 * The test tiers, chosen with env TEST_TIER (unset: all of them):
 * - unit: `*.spec.ts` beside the code; no database, Redis, child process or network peer (seconds).
 * - service: `*.int.spec.ts` and `apps|libs/<project>/tests/**\/*.test.ts`; one app in-process
 *   through createApp(deps) against the real PostgreSQL and Redis, or one program for real.
 * - e2e: `e2e/<suite>/tests/**\/*.test.ts` and `*.e2e.spec.ts`; the platform as real processes.
 */
const TIERS = ['unit', 'service', 'e2e'];

/** @param {string} projectDir */
function testMatch(projectDir) {
  const tier = process.env.TEST_TIER;
  if (tier !== undefined && tier !== '' && !TIERS.includes(tier)) {
    throw new Error(`TEST_TIER must be one of ${TIERS.join(', ')} (or unset for all), not "${tier}"`);
  }
  const e2eSuite = path.relative(__dirname, projectDir).split(path.sep)[0] === 'e2e';
  const tests = '<rootDir>/tests/**/*.test.ts';
  const globs = {
    unit: ['<rootDir>/**/*.spec.ts', '!**/*.int.spec.ts', '!**/*.e2e.spec.ts'],
    service: ['<rootDir>/**/*.int.spec.ts', ...(e2eSuite ? [] : [tests])],
    e2e: ['<rootDir>/**/*.e2e.spec.ts', ...(e2eSuite ? [tests] : [])],
  };
  return tier ? globs[tier] : ['<rootDir>/**/*.spec.ts', tests];
}

/** @param {string} projectDir @param {string} displayName */
module.exports = function preset(projectDir, displayName) {
  return {
    displayName,
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: {
      '^.+\\.(t|j)s$': [
        '@swc/jest',
        { jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: false } }, module: { type: 'commonjs' } },
      ],
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper,
    testMatch: testMatch(projectDir),
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '/generated/'],
    setupFiles: [path.join(__dirname, 'tools/jest/setup-env.js')],
    globalSetup: path.join(__dirname, 'tools/jest/global-setup.js'),
    globalTeardown: path.join(__dirname, 'tools/jest/global-teardown.js'),
    // Used when a project's config is run on its own (`nx test auth`); the root config sets its own.
    testTimeout: 30000,
    passWithNoTests: true,
  };
};
