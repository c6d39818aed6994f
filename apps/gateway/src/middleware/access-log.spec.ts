import { Writable } from 'node:stream';
import winston from 'winston';
import { AccessLog } from './access-log';

const consoleLogger = (level = 'info') =>
  winston.createLogger({
    level,
    defaultMeta: { service: 'gateway' },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AccessLog', () => {
  it('writes the lines of one event-loop turn at once, as the logger formats them', async () => {
    const chunks: string[] = [];
    const log = new AccessLog(consoleLogger(), { write: (c: string) => chunks.push(c) });
    log.write('info', 'request', { request_id: 'req-0001', status: 200 });
    log.write('warn', 'request', { request_id: 'req-0002', status: 502 });
    expect(chunks).toEqual([]);
    await nextTurn();
    expect(chunks).toHaveLength(1);
    const lines = chunks[0]!.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { service: 'gateway', level: 'info', message: 'request', request_id: 'req-0001', status: 200, timestamp: expect.any(String) },
      { service: 'gateway', level: 'warn', message: 'request', request_id: 'req-0002', status: 502, timestamp: expect.any(String) },
    ]);
  });

  it('writes nothing below the logger level', async () => {
    const chunks: string[] = [];
    const log = new AccessLog(consoleLogger('warn'), { write: (c: string) => chunks.push(c) });
    log.write('info', 'request', { request_id: 'req-0003' });
    await nextTurn();
    expect(chunks).toEqual([]);
  });

  it('leaves any other logger setup to winston, line by line', () => {
    const seen: string[] = [];
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream: new Writable({ write: (c: Buffer, _e, done) => (seen.push(c.toString()), done()) }) })],
    });
    const direct: string[] = [];
    new AccessLog(logger, { write: (c: string) => direct.push(c) }).write('info', 'request', { request_id: 'req-0004' });
    expect(direct).toEqual([]);
    expect(JSON.parse(seen[0]!)).toMatchObject({ message: 'request', request_id: 'req-0004' });
  });
});
