import { parse, quote } from 'shell-quote';
import { analyzeCommandLine, commandsForDeny, type SimpleCommand } from './command-line';

/** The tool whose calls command rules (`shell(…)`) apply to. */
export const SHELL_TOOL = 'shell';

/** A parsed `shell(…)` rule: the words a command must start with (`prefix`) or be exactly. */
export interface ShellRule {
  text: string;
  words: readonly string[];
  prefix: boolean;
}

/** `shell(npm test)` → exact; `shell(npm test *)` or `shell(npm test:*)` → prefix; `shell(*)` → any. Undefined when not a valid rule. */
export function parseShellRule(rule: string): ShellRule | undefined {
  const m = /^shell\((.*)\)$/s.exec(rule);
  if (!m) return undefined;
  let inner = m[1]!.trim();
  let prefix = false;
  if (inner === '*') return { text: rule, words: [], prefix: true };
  if (inner.endsWith(':*')) [inner, prefix] = [inner.slice(0, -2), true];
  else if (/\s\*$/.test(inner)) [inner, prefix] = [inner.slice(0, -1).trimEnd(), true];
  const words: string[] = [];
  for (const entry of parse(inner, (name) => `$${name}`)) {
    if (typeof entry === 'string') words.push(entry);
    else if ('op' in entry && entry.op === 'glob') words.push(entry.pattern);
    else return undefined;
  }
  return words.length === 0 ? undefined : { text: rule, words, prefix };
}

/** Whether a command is the rule's words exactly, or (prefix rule) starts with them. */
export function ruleMatches(rule: ShellRule, command: SimpleCommand): boolean {
  if (rule.prefix ? command.length < rule.words.length : command.length !== rule.words.length) return false;
  return rule.words.every((w, i) => command[i] === w);
}

/** A decision made by a rule, as the tool_use event records it. */
export interface RuleVerdict {
  decision: 'allow' | 'deny';
  decided_by: string;
  reason: string | null;
}

const shellRules = (rules: readonly string[]): ShellRule[] =>
  rules.flatMap((r) => {
    const parsed = parseShellRule(r);
    return parsed ? [parsed] : [];
  });

/**
 * What a session's command rules say about one shell command line, or undefined when none decides
 * (the permission mode then does). Deny first: the whole tool in disallowed_tools; a deny rule matching
 * any command of the line, looked for through wrappers and `sh -c`; a line that cannot be analysed
 * while deny rules exist. Then allow: the whole tool in allowed_tools, or every command of an
 * analysable line matched by an allow rule (matched as written: `./node` is not `node`).
 */
export function decideShellRules(line: string, allowed: readonly string[], disallowed: readonly string[]): RuleVerdict | undefined {
  if (disallowed.includes(SHELL_TOOL))
    return { decision: 'deny', decided_by: 'disallowed_tools', reason: `${SHELL_TOOL} is in this session's disallowed_tools.` };
  const analysis = analyzeCommandLine(line);
  const denyRules = shellRules(disallowed);
  for (const command of analysis.commands.flatMap((c) => commandsForDeny(c))) {
    const rule = denyRules.find((r) => ruleMatches(r, command));
    if (rule) {
      return {
        decision: 'deny',
        decided_by: `disallowed_tools:${rule.text}`,
        reason: `"${quote([...command])}" matches ${rule.text} in this session's disallowed_tools.`,
      };
    }
  }
  if (denyRules.length > 0 && !analysis.analyzable) {
    return {
      decision: 'deny',
      decided_by: 'disallowed_tools',
      reason: `The command cannot be checked against this session's command rules: ${analysis.problem}.`,
    };
  }
  if (allowed.includes(SHELL_TOOL)) return { decision: 'allow', decided_by: 'allowed_tools', reason: null };
  if (!analysis.analyzable || analysis.commands.length === 0) return undefined;
  const allowRules = shellRules(allowed);
  const matched = analysis.commands.map((c) => allowRules.find((r) => ruleMatches(r, c)));
  if (matched.some((r) => r === undefined)) return undefined;
  const texts = [...new Set(matched.map((r) => r!.text))];
  return { decision: 'allow', decided_by: `allowed_tools:${texts.join(',')}`, reason: null };
}

/**
 * The rules "remember" adds for an answered call: the tool's name, or for the shell one exact rule per
 * command of the line (none when the line cannot be analysed: the answer then covers this call only).
 */
export function rememberRules(tool: string, input: Readonly<Record<string, unknown>>): string[] {
  if (tool !== SHELL_TOOL) return [tool];
  const line = input['command'];
  if (typeof line !== 'string') return [];
  const analysis = analyzeCommandLine(line);
  if (!analysis.analyzable) return [];
  return [...new Set(analysis.commands.map((c) => `shell(${quote([...c])})`))];
}
