export { analyzeCommandLine, commandsForDeny, type CommandLine, type SimpleCommand } from './command-line';
export { SHELL_TOOL, decideShellRules, parseShellRule, rememberRules, ruleMatches, type RuleVerdict, type ShellRule } from './shell-rules';
