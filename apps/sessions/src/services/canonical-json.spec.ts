import { canonicalJson } from './canonical-json';
import { requestFingerprint } from './idempotency.service';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});

describe('requestFingerprint', () => {
  it('is the same for equal bodies in any key order, and differs by method, path or body', () => {
    const a = requestFingerprint('POST', '/x', { a: 1, b: 2 });
    expect(requestFingerprint('post', '/x', { b: 2, a: 1 })).toBe(a);
    expect(requestFingerprint('POST', '/y', { a: 1, b: 2 })).not.toBe(a);
    expect(requestFingerprint('POST', '/x', { a: 1, b: 3 })).not.toBe(a);
    expect(requestFingerprint('POST', '/x', undefined)).toBe(requestFingerprint('POST', '/x', null));
  });
});
