import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const RESET = '\x1b[0m';
// Services' colours; blue, red and bold are kept for postgres, redis and the launcher.
const PALETTE = ['36', '35', '32', '33', '96', '95', '92', '93', '94'];
const FIXED: Record<string, string> = { platform: '1', postgres: '34', redis: '31' };
const LEVEL_COLOURS: Record<string, string> = { error: '31', warn: '33', info: '32', http: '35', debug: '34' };
/** Keys of a service's JSON log line that the prefix or the time column already show. */
const HIDDEN_KEYS = new Set(['level', 'message', 'timestamp', 'service', 'instance_id', 'stack']);

export type StreamName = 'out' | 'err';

/** Where the launcher and its children write: every line under a padded, coloured `[name]`. */
export interface Output {
  readonly color: boolean;
  line(name: string, text: string, stream?: StreamName): void;
  /** Text written as is (the ready banner). */
  raw(text: string): void;
}

export function paint(color: boolean, code: string, text: string): string {
  return color ? `\x1b[${code}m${text}${RESET}` : text;
}

function localTime(timestamp: unknown): string {
  const date = typeof timestamp === 'string' ? new Date(timestamp) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) return '';
  const two = (n: number): string => String(n).padStart(2, '0');
  const ms = String(date.getMilliseconds()).padStart(3, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${ms} `;
}

/**
 * Renders one of a service's JSON log lines (winston's format off a TTY) as a human one:
 * `HH:MM:SS.mmm level message {extra fields}`, an error's stack on the following lines. Other lines pass unchanged.
 */
export function renderLogLine(line: string, color: boolean): string {
  if (!line.startsWith('{')) return line;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null) return line;
  const fields = record as Record<string, unknown>;
  if (typeof fields['level'] !== 'string' || !('message' in fields)) return line;
  const level = fields['level'];
  const extra = Object.fromEntries(Object.entries(fields).filter(([key]) => !HIDDEN_KEYS.has(key)));
  const tail = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
  const head = `${localTime(fields['timestamp'])}${paint(color, LEVEL_COLOURS[level] ?? '0', level.padEnd(5))} ${String(fields['message'])}${tail}`;
  // Stacks of warnings (a dependency down, retried every few seconds) would bury everything else.
  return level === 'error' && typeof fields['stack'] === 'string' ? `${head}\n${fields['stack']}` : head;
}

export function createOutput(o: { names: string[]; color: boolean; stdout: Writable; stderr: Writable }): Output {
  const colours = new Map<string, string>();
  let next = 0;
  for (const name of o.names) {
    colours.set(name, FIXED[name] ?? PALETTE[next++ % PALETTE.length] ?? '0');
  }
  const width = Math.max(...o.names.map((n) => n.length)) + 2;
  const prefix = (name: string): string => paint(o.color, colours.get(name) ?? '0', `[${name}]`.padEnd(width));
  return {
    color: o.color,
    line(name, text, stream = 'out') {
      const target = stream === 'err' ? o.stderr : o.stdout;
      const head = prefix(name);
      target.write(
        text
          .split('\n')
          .map((l) => `${head} ${l}\n`)
          .join(''),
      );
    },
    raw(text) {
      o.stdout.write(text);
    },
  };
}

/** Calls `onLine` with each line of `stream`, the last one even without a final newline. */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}
