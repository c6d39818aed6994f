import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import { isDatabaseUnavailable } from './errors';

const known = (message: string, code: string, meta?: Record<string, unknown>) =>
  new PrismaClientKnownRequestError(message, { code, clientVersion: 'test', ...(meta ? { meta } : {}) });

describe('isDatabaseUnavailable', () => {
  it('recognises the errors a stopping or stopped PostgreSQL produces', () => {
    expect(isDatabaseUnavailable(known("Can't reach database server at 127.0.0.1:5432", 'P1001'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    const adminShutdown = known(
      'Database error. Code: `57P01`. Message: `terminating connection due to administrator command`',
      'P2039',
      {
        driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } },
      },
    );
    expect(isDatabaseUnavailable(adminShutdown)).toBe(true);
  });

  it('leaves errors about the request itself alone', () => {
    expect(isDatabaseUnavailable(known('Unique constraint failed', 'P2002'))).toBe(false);
    const badInput = known('Database error. Code: `22P02`. Message: `invalid input syntax`', 'P2039', {
      driverAdapterError: { cause: { kind: 'postgres', originalCode: '22P02' } },
    });
    expect(isDatabaseUnavailable(badInput)).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });
});
