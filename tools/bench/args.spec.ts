import { parseArgs, UsageError } from './args';

describe('npm run bench arguments', () => {
  it('runs every part with the documented defaults', () => {
    expect(parseArgs([])).toMatchObject({ parts: ['gateway', 'runs', 'breaker', 'cost', 'sandbox'], durationS: 5, rounds: 3, connections: 50, concurrency: [1, 20, 100], sizes: [1000, 10_000, 100_000] });
  });

  it('reads one part, lists and numbers, with a space or an equals sign', () => {
    expect(parseArgs(['--only', 'gateway', '--duration=2', '--sizes', '10,20', '--runner-concurrency', '8', '--gateway-workers', '3'])).toMatchObject({ parts: ['gateway'], durationS: 2, sizes: [10, 20], runnerConcurrency: 8, gatewayWorkers: 3 });
  });

  it.each([[['--only', 'nope']], [['--rounds', '0']], [['--bogus']]])('refuses %j with the usage', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});
