import { parse, type ParseEntry } from 'shell-quote';

/** One simple command of a line, as its words after quote removal (a glob stays its pattern). */
export type SimpleCommand = readonly string[];

/**
 * What a shell command line is made of. `analyzable` is false when the line uses something whose
 * effect cannot be known from its text (command substitution, variables, subshells, here-documents,
 * several lines): no allow rule can then approve it, and a deny rule refuses it (see `decideShell`).
 */
export interface CommandLine {
  analyzable: boolean;
  /** Why the line cannot be analysed (for the decision's reason); null when it can. */
  problem: string | null;
  /** The simple commands found (best effort when not analyzable). */
  commands: SimpleCommand[];
}

// Constructs whose text does not say what runs: checked on the raw line, before any parsing.
const OPAQUE: Array<[RegExp, string]> = [
  [/`/, 'command substitution (`…`)'],
  [/\$\(/, 'command substitution ($(…))'],
  [/\$\{/, 'a parameter expansion (${…})'],
  [/[<>]\(/, 'process substitution'],
  [/<</, 'a here-document'],
  [/[\n\r]/, 'more than one line'],
  [/\0/, 'a NUL character'],
];
const SEPARATORS = new Set(['&&', '||', ';', '|', '&', '|&', ';;']);
const REDIRECTS = new Set(['>', '>>', '<', '>&', '<&', '>|', '&>', '&>>', '<>']);

/** Splits a command line into its simple commands, and says whether that split can be trusted. */
export function analyzeCommandLine(line: string): CommandLine {
  const opaque = OPAQUE.find(([re]) => re.test(line));
  let usesVariable = false;
  const entries: ParseEntry[] = parse(line, (name) => {
    usesVariable = true;
    return `$${name}`;
  });
  const commands: string[][] = [[]];
  let problem = opaque ? `the line uses ${opaque[1]}` : usesVariable ? 'the line uses a variable' : null;
  let skipNext = false;
  for (const entry of entries) {
    if (skipNext) skipNext = false;
    else if (typeof entry === 'string') commands.at(-1)!.push(entry);
    else if ('comment' in entry) break;
    else if ('pattern' in entry) commands.at(-1)!.push(entry.pattern);
    else if (SEPARATORS.has(entry.op)) commands.push([]);
    // A redirection's target only names where output goes (in the working directory): not a word of the command.
    else if (REDIRECTS.has(entry.op)) skipNext = true;
    else problem ??= `the line uses "${entry.op}"`;
  }
  return { analyzable: problem === null, problem, commands: commands.filter((c) => c.length > 0) };
}

// Programs that run another program given as their arguments: deny rules look through them.
const WRAPPERS = new Set(['env', 'command', 'exec', 'nohup', 'nice', 'time', 'timeout', 'xargs', 'sudo', 'doas', 'busybox', 'stdbuf', 'setsid', 'chroot', 'ionice', 'unbuffer']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash']);
const basename = (program: string): string => program.slice(program.lastIndexOf('/') + 1);

/**
 * Every command a simple command may end up running, for deny rules: itself, and what it runs through
 * wrappers (`env X=1 curl …`, `timeout 5 curl …`, `/usr/bin/curl`) and `sh -c "<line>"` (analysed in
 * turn). Program names are reduced to their base name. Best effort: the sandbox, not a deny rule, is
 * what keeps a command from doing harm.
 */
export function commandsForDeny(command: SimpleCommand): SimpleCommand[] {
  const found: SimpleCommand[] = [];
  collect(command, 0, found);
  return found;
}

const MAX_DEPTH = 4;
const MAX_FOUND = 256;
const isAssignment = (w: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w);

function collect(command: SimpleCommand, depth: number, found: SimpleCommand[]): void {
  if (found.length >= MAX_FOUND) return;
  const start = command.findIndex((w) => !isAssignment(w));
  if (start < 0) return;
  const words = command.slice(start);
  const program = basename(words[0]!);
  found.push([program, ...words.slice(1)]);
  if (depth >= MAX_DEPTH) return;
  if (SHELLS.has(program)) {
    const inner = words[words.indexOf('-c') + 1];
    if (words.includes('-c') && inner !== undefined)
      for (const cmd of analyzeCommandLine(inner).commands) collect(cmd, depth + 1, found);
  }
  if (WRAPPERS.has(program)) {
    // The wrapped program may follow any of the wrapper's options and values (`-s KILL 5 curl …`):
    // every later word that could name a program is taken as one (over-matching only denies more).
    for (let i = 1; i < words.length && found.length < MAX_FOUND; i++) {
      const w = words[i]!;
      if (!w.startsWith('-') && !isAssignment(w) && !/^\d/.test(w)) collect(words.slice(i), depth + 1, found);
    }
  }
}
