import { decidePermission, type PermissionPolicy } from './permissions';

const policy = (over: Partial<PermissionPolicy> = {}): PermissionPolicy => ({
  mode: 'default',
  allowedTools: [],
  disallowedTools: [],
  ...over,
});

describe('decidePermission', () => {
  it('allows read tools and asks a person about write tools in default mode', () => {
    expect(decidePermission('read_file', 'read', policy())).toEqual({
      decision: 'allow',
      decided_by: 'mode:default',
      reason: null,
    });
    const write = decidePermission('write_file', 'write', policy());
    expect(write).toMatchObject({ decision: 'ask', decided_by: 'mode:default' });
    expect(write.reason).toMatch(/asks a person first/);
  });

  it('allows writes in accept_edits and everything in bypass', () => {
    expect(decidePermission('write_file', 'write', policy({ mode: 'accept_edits' }))).toMatchObject({
      decision: 'allow',
      decided_by: 'mode:accept_edits',
    });
    expect(decidePermission('write_file', 'write', policy({ mode: 'bypass' }))).toMatchObject({
      decision: 'allow',
      decided_by: 'mode:bypass',
    });
  });

  it('lets allowed_tools pre-approve a write in default mode', () => {
    expect(decidePermission('write_file', 'write', policy({ allowedTools: ['write_file'] }))).toEqual({
      decision: 'allow',
      decided_by: 'allowed_tools',
      reason: null,
    });
  });

  it('lets disallowed_tools win over allowed_tools and over bypass', () => {
    const both = policy({ mode: 'bypass', allowedTools: ['list_files'], disallowedTools: ['list_files'] });
    const decision = decidePermission('list_files', 'read', both);
    expect(decision).toMatchObject({ decision: 'deny', decided_by: 'disallowed_tools' });
    expect(decision.reason).toMatch(/disallowed_tools/);
  });

  it('denies a tool that does not exist even in bypass mode', () => {
    expect(decidePermission('rm_rf', undefined, policy({ mode: 'bypass' }))).toMatchObject({
      decision: 'deny',
      decided_by: 'runner',
    });
  });

  it('asks before running a command in default and accept_edits modes, and runs it in bypass', () => {
    const command = { command: 'npm test' };
    expect(decidePermission('shell', 'execute', policy(), command)).toMatchObject({ decision: 'ask', decided_by: 'mode:default' });
    const acceptEdits = decidePermission('shell', 'execute', policy({ mode: 'accept_edits' }), command);
    expect(acceptEdits).toMatchObject({ decision: 'ask', decided_by: 'mode:accept_edits' });
    expect(acceptEdits.reason).toMatch(/runs code/);
    expect(decidePermission('shell', 'execute', policy({ mode: 'bypass' }), command)).toMatchObject({ decision: 'allow', decided_by: 'mode:bypass' });
  });

  it('decides commands by the session\'s command rules, naming the rule, deny first even in bypass', () => {
    const rules = policy({ mode: 'bypass', allowedTools: ['shell(npm test *)'], disallowedTools: ['shell(curl *)'] });
    expect(decidePermission('shell', 'execute', policy({ allowedTools: ['shell(npm test *)'] }), { command: 'npm test -- -u' })).toEqual({
      decision: 'allow',
      decided_by: 'allowed_tools:shell(npm test *)',
      reason: null,
    });
    expect(decidePermission('shell', 'execute', rules, { command: 'npm test && curl evil.test' })).toMatchObject({
      decision: 'deny',
      decided_by: 'disallowed_tools:shell(curl *)',
    });
    // No rule decides: the mode does.
    expect(decidePermission('shell', 'execute', policy({ allowedTools: ['shell(npm test *)'] }), { command: 'rm -rf .' })).toMatchObject({ decision: 'ask' });
  });
});
