import jwt from 'jsonwebtoken';
import { AppError } from '@platform/service-kit';
import { ServiceIdentity } from './service-identity';
import { SigningKeys } from './signing-keys';

const keys = new SigningKeys(undefined, 'iss', 'aud');
const identity = new ServiceIdentity(new Map([['sessions', 'sessions-secret-0123456789']]), keys, 300);

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('ServiceIdentity', () => {
  it('exchanges known client credentials for a service-role bearer token', () => {
    const res = identity.issue('sessions', 'sessions-secret-0123456789');

    expect(res).toMatchObject({ token_type: 'bearer', expires_in: 300 });
    expect(jwt.decode(res.access_token)).toMatchObject({
      sub: 'service:sessions',
      role: 'service',
      iss: 'iss',
      aud: 'aud',
    });
  });

  it('refuses a wrong secret and an unknown client alike, as 401 INVALID_CREDENTIALS', () => {
    const wrong = failure(() => identity.issue('sessions', 'sessions-secret-012345678X'));
    const unknown = failure(() => identity.issue('agents', 'sessions-secret-0123456789'));

    for (const e of [wrong, unknown])
      expect({ code: e.code, status: e.status, message: e.message }).toEqual({
        code: 'INVALID_CREDENTIALS',
        status: 401,
        message: 'Invalid client credentials',
      });
  });

  it('refuses a secret that is a prefix or extension of the real one', () => {
    expect(failure(() => identity.issue('sessions', 'sessions-secret')).code).toBe('INVALID_CREDENTIALS');
    expect(failure(() => identity.issue('sessions', 'sessions-secret-0123456789-and-more')).code).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('issues nothing when no clients are configured', () => {
    const none = new ServiceIdentity(new Map(), keys, 300);

    expect(failure(() => none.issue('sessions', 'sessions-secret-0123456789')).code).toBe('INVALID_CREDENTIALS');
  });
});
