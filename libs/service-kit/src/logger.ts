import winston from 'winston';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'debug';

/** The one logger factory: JSON lines on stdout (human-readable in a TTY), service name on every line. */
export function createLogger(opts: { service: string; level?: string; pretty?: boolean; instanceId?: string }): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && process.env.LOG_FORMAT !== 'json');
  const format = pretty
    ? winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.colorize(),
        winston.format.printf(({ timestamp, level, message, service: _s, instance_id: _i, ...rest }) => {
          const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${extra}`;
        }),
      )
    : winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json());
  return winston.createLogger({
    level: opts.level ?? 'info',
    defaultMeta: { service: opts.service, ...(opts.instanceId ? { instance_id: opts.instanceId } : {}) },
    format,
    transports: [new winston.transports.Console()],
  });
}

/** Reduces an unknown thrown value to loggable fields without dumping whole objects. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { err_name: err.name, err_message: err.message, stack: err.stack };
  return { err_message: String(err) };
}
