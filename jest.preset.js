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
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/tests/**/*.test.ts', '<rootDir>/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '/generated/'],
    setupFiles: [path.join(__dirname, 'tools/jest/setup-env.js')],
  };
};
