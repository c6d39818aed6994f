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
});
