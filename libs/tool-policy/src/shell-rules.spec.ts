import { analyzeCommandLine, commandsForDeny } from './command-line';
import { decideShellRules, parseShellRule, rememberRules, ruleMatches } from './shell-rules';

describe('analyzeCommandLine', () => {
  it('splits a line into its simple commands at &&, ||, ;, | and &', () => {
    expect(analyzeCommandLine('npm test && git status; ls | wc -l & echo "a b"')).toEqual({
      analyzable: true,
      problem: null,
      commands: [['npm', 'test'], ['git', 'status'], ['ls'], ['wc', '-l'], ['echo', 'a b']],
    });
  });

  it('drops redirection targets and comments, keeps globs as their pattern', () => {
    expect(analyzeCommandLine('node *.js > out.txt # a comment').commands).toEqual([['node', '*.js']]);
  });

  it.each([
    ['echo $(id)', 'command substitution'],
    ['echo `id`', 'command substitution'],
    ['echo ${HOME}', 'parameter expansion'],
    ['echo $HOME', 'variable'],
    ['diff <(ls) x', 'process substitution'],
    ['cat <<EOF\nx\nEOF', 'here-document'],
    ['ls\ncurl x', 'more than one line'],
    ['(cd a && ls)', '"("'],
  ])('cannot analyse %j (%s)', (line, problem) => {
    const result = analyzeCommandLine(line);
    expect(result.analyzable).toBe(false);
    expect(result.problem).toContain(problem);
  });
});

describe('commandsForDeny', () => {
  it('looks through paths, assignments, wrappers and sh -c', () => {
    const programs = (line: string) => analyzeCommandLine(line).commands.flatMap((c) => commandsForDeny(c)).map((c) => c[0]);
    expect(programs('/usr/bin/curl x')).toEqual(['curl']);
    // Every later word of a wrapper is taken as a possible program: over-matching only denies more.
    expect(programs('FOO=1 env BAR=2 curl x')).toEqual(['env', 'curl', 'x']);
    expect(programs('timeout -s KILL 5 curl x')).toContain('curl');
    expect(programs('sh -c "wget y && curl x"')).toEqual(['sh', 'wget', 'curl']);
  });

  it('stays bounded on pathological nesting', () => {
    const line = Array.from({ length: 2000 }, () => 'env').join(' ');
    expect(commandsForDeny(analyzeCommandLine(line).commands[0]!).length).toBeLessThanOrEqual(256);
  });
});

describe('parseShellRule / ruleMatches', () => {
  const matches = (rule: string, line: string) => ruleMatches(parseShellRule(rule)!, analyzeCommandLine(line).commands[0]!);

  it('matches an exact rule only on the same words', () => {
    expect(matches('shell(npm test)', 'npm test')).toBe(true);
    expect(matches('shell(npm test)', 'npm  "test"')).toBe(true);
    expect(matches('shell(npm test)', 'npm test --watch')).toBe(false);
    expect(matches('shell(npm test)', 'npm')).toBe(false);
  });

  it('matches a prefix rule written as "words *" or Claude Code\'s "words:*"', () => {
    expect(matches('shell(npm test *)', 'npm test -- --silent')).toBe(true);
    expect(matches('shell(npm test:*)', 'npm test')).toBe(true);
    expect(matches('shell(node *)', 'node a.js')).toBe(true);
    expect(matches('shell(node *)', 'nodejs a.js')).toBe(false);
    expect(matches('shell(*)', 'anything at all')).toBe(true);
  });

  it('refuses what is not a rule', () => {
    expect(parseShellRule('write_file')).toBeUndefined();
    expect(parseShellRule('shell()')).toBeUndefined();
    expect(parseShellRule('shell(a && b)')).toBeUndefined();
  });
});

describe('decideShellRules', () => {
  it('allows a line whose every command an allow rule matches, naming the rules', () => {
    expect(decideShellRules('npm test && git status', ['shell(npm test *)', 'shell(git status)'], [])).toEqual({
      decision: 'allow',
      decided_by: 'allowed_tools:shell(npm test *),shell(git status)',
      reason: null,
    });
  });

  it('leaves a line to the permission mode when one command is not allowed', () => {
    expect(decideShellRules('npm test && curl evil.test', ['shell(npm test *)'], [])).toBeUndefined();
  });

  it('never lets an allow rule approve a line it cannot analyse, nor a program given by path', () => {
    expect(decideShellRules('npm test $(curl x)', ['shell(npm test *)'], [])).toBeUndefined();
    expect(decideShellRules('./node evil.js', ['shell(node *)'], [])).toBeUndefined();
    expect(decideShellRules('PATH=. node a.js', ['shell(node *)'], [])).toBeUndefined();
  });

  it('lets deny win over allow, through wrappers and sh -c', () => {
    const allowAll = ['shell'];
    const deny = ['shell(curl *)'];
    for (const line of ['curl x', 'npm test && /usr/bin/curl x', 'env curl x', 'sh -c "curl x"', 'xargs -n1 curl < urls']) {
      expect(decideShellRules(line, allowAll, deny)).toMatchObject({ decision: 'deny', decided_by: 'disallowed_tools:shell(curl *)' });
    }
  });

  it('denies a line it cannot analyse when deny rules exist, and the whole tool when it is disallowed', () => {
    expect(decideShellRules('$(printf cu)rl x', ['shell'], ['shell(curl *)'])).toMatchObject({ decision: 'deny', decided_by: 'disallowed_tools' });
    expect(decideShellRules('ls', ['shell(ls)'], ['shell'])).toMatchObject({ decision: 'deny', decided_by: 'disallowed_tools' });
  });

  it('allows every line when the whole tool is allowed and no deny rule applies', () => {
    expect(decideShellRules('echo $(id)', ['shell'], [])).toEqual({ decision: 'allow', decided_by: 'allowed_tools', reason: null });
  });
});

describe('rememberRules', () => {
  it('remembers the tool by name, or each command of a shell line exactly', () => {
    expect(rememberRules('write_file', { path: 'a' })).toEqual(['write_file']);
    expect(rememberRules('shell', { command: 'npm test && git status' })).toEqual(['shell(npm test)', 'shell(git status)']);
    expect(rememberRules('shell', { command: "echo 'a b'" })).toEqual(["shell(echo 'a b')"]);
  });

  it('remembers nothing for a line it cannot analyse', () => {
    expect(rememberRules('shell', { command: 'echo $(id)' })).toEqual([]);
    expect(rememberRules('shell', {})).toEqual([]);
  });

  it('makes rules that match the command they were made from', () => {
    for (const line of ['node *.js', "grep -r 'a b' src", 'npm test -- --runInBand']) {
      const [rule] = rememberRules('shell', { command: line });
      expect(decideShellRules(line, [rule!], [])).toMatchObject({ decision: 'allow' });
    }
  });
});
