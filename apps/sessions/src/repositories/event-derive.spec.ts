import { decisionActor } from './event-derive';

describe('decisionActor', () => {
  it('keeps people, rules, the system and services as they are, and makes any other decider a rule', () => {
    expect(decisionActor('user:0b6c')).toBe('user:0b6c');
    expect(decisionActor('rule:allowed_tools')).toBe('rule:allowed_tools');
    expect(decisionActor('system:timeout')).toBe('system:timeout');
    expect(decisionActor('mode:default')).toBe('rule:mode:default');
    expect(decisionActor('timeout')).toBe('rule:timeout');
  });
});
