// `npm run test:reliability`: fault injection, fuzzing and attack suites against real processes.
// Kept out of `npm test` (they restart shared-looking infrastructure on private ports and take minutes).
const preset = require('../../jest.preset')(__dirname, 'reliability');

module.exports = {
  ...preset,
  testMatch: ['<rootDir>/reliability/**/*.test.ts'],
  testTimeout: 180000,
  reporters: ['default', '<rootDir>/../../tools/jest/summary-reporter.js'],
};
