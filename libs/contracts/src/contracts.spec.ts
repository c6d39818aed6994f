import { ERROR_STATUS, ErrorCodeSchema, ErrorEnvelopeSchema } from './errors';
import { InstanceSchema, RegisterInstanceRequestSchema, ServiceNameSchema } from './registry';
import { AccessTokenClaimsSchema, RegisterRequestSchema } from './auth';
import { PageQuerySchema } from './common';

const instance = { name: 'echo', instance_id: 'echo-1', url: 'http://127.0.0.1:9000', version: '1.0.0' };

describe('error codes', () => {
  it('map every code to a 4xx or 5xx status', () => {
    for (const code of ErrorCodeSchema.options) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ErrorCodeSchema.options].sort());
  });

  it('reject an envelope with a code outside the closed union', () => {
    const envelope = { error: 'x', error_code: 'TEAPOT', request_id: 'r', timestamp: new Date().toISOString() };
    expect(ErrorEnvelopeSchema.safeParse(envelope).success).toBe(false);
  });
});

describe('registry contracts', () => {
  it('fill in health paths, endpoints and metadata when a registration leaves them out', () => {
    expect(RegisterInstanceRequestSchema.parse(instance)).toEqual({
      ...instance,
      health_path: '/health',
      ready_path: '/ready',
      endpoints: [],
      metadata: {},
    });
  });

  it.each(['ftp://127.0.0.1/x', 'javascript:alert(1)', 'not a url'])('reject the instance url %s', (url) => {
    expect(RegisterInstanceRequestSchema.safeParse({ ...instance, url }).success).toBe(false);
  });

  it.each(['Echo', '9lives', 'a', 'has_underscore', 'x'.repeat(64)])('reject the service name %s', (name) => {
    expect(ServiceNameSchema.safeParse(name).success).toBe(false);
  });

  it('let a reader drop fields a newer version added, so versions can run side by side', () => {
    const now = new Date().toISOString();
    const parsed = InstanceSchema.parse({ ...instance, registered_at: now, last_heartbeat_at: now, zone: 'eu-1' });
    expect(parsed).not.toHaveProperty('zone');
  });
});

describe('auth contracts', () => {
  it('lowercase emails and refuse unknown fields in a registration', () => {
    const body = { email: 'Ada@Example.COM', username: 'ada', password: 'correct horse 1' };
    expect(RegisterRequestSchema.parse(body).email).toBe('ada@example.com');
    expect(RegisterRequestSchema.safeParse({ ...body, role: 'admin' }).success).toBe(false);
  });

  it('accept a token audience as one string or a list', () => {
    const claims = { sub: 'u', role: 'user', jti: 'j', iss: 'i', iat: 1, exp: 2 };
    expect(AccessTokenClaimsSchema.safeParse({ ...claims, aud: 'platform' }).success).toBe(true);
    expect(AccessTokenClaimsSchema.safeParse({ ...claims, aud: ['platform', 'gateway'] }).success).toBe(true);
    expect(AccessTokenClaimsSchema.safeParse({ ...claims, aud: 'platform', role: 'root' }).success).toBe(false);
  });
});

describe('pagination', () => {
  it('coerces the limit from a query string and bounds it', () => {
    expect(PageQuerySchema.parse({ limit: '50' })).toEqual({ limit: 50 });
    expect(PageQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(PageQuerySchema.safeParse({ limit: '101' }).success).toBe(false);
    expect(PageQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
  });
});
