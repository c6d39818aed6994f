import winston from 'winston';
import type { Logger } from '@platform/service-kit';

// triple-beam's symbols (winston's own): the level an info object is logged at, and its formatted line.
const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

type Writable = { write(chunk: string): unknown };
type ConsoleTransport = InstanceType<typeof winston.transports.Console> & { stderrLevels?: Record<string, unknown>; consoleWarnLevels?: Record<string, unknown>; eol?: string };

const pending = new Set<AccessLog>();
let exitHooked = false;

/**
 * Access lines for proxied requests, exactly as the logger would write them (its own format: JSON, or
 * readable in a TTY), but written to stdout once per event-loop turn instead of once per request through
 * winston's stream pipeline — at thousands of requests a second, the per-line stream machinery and write
 * calls were ~10% of the gateway's CPU. Any other logger setup (several transports, files, stderr levels,
 * a transport format or level) is left to winston, line by line.
 */
export class AccessLog {
  private lines: string[] = [];
  private scheduled = false;
  private readonly console: ConsoleTransport | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly out: Writable = process.stdout,
  ) {
    const only = logger.transports.length === 1 ? (logger.transports[0] as ConsoleTransport) : undefined;
    const plain = only instanceof winston.transports.Console && !only.format && !only.level && !only.silent && isEmpty(only.stderrLevels) && isEmpty(only.consoleWarnLevels);
    this.console = plain ? only : undefined;
  }

  write(level: 'info' | 'warn', message: string, fields: Record<string, unknown>): void {
    if (!this.logger.isLevelEnabled(level)) return;
    if (!this.console || this.logger.silent) {
      this.logger.log(level, message, fields);
      return;
    }
    const info = Object.assign({}, this.logger.defaultMeta as Record<string, unknown> | undefined, fields, { [LEVEL]: level, level, message });
    const formatted = this.logger.format.transform(info, this.logger.format.options) as (Record<PropertyKey, unknown> & object) | false;
    if (!formatted) return;
    this.lines.push(`${String(formatted[MESSAGE])}${this.console.eol ?? '\n'}`);
    if (!this.scheduled) {
      this.scheduled = true;
      pending.add(this);
      hookExit();
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    pending.delete(this);
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.out.write(chunk);
  }
}

function isEmpty(o: Record<string, unknown> | undefined): boolean {
  return !o || Object.keys(o).length === 0;
}

/** Lines still buffered when the process exits are written (stdout writes are synchronous for files and pipes). */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const log of pending) log.flush();
  });
}
