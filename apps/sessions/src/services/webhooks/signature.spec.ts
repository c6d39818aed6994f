import { createHmac } from 'node:crypto';
import { signatureHeader } from './signature';
import { SecretBox, newWebhookSecret } from './secret-box';

describe('signatureHeader', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const expected = createHmac('sha256', 'whsec_x').update('1700000000.{"a":1}').digest('hex');
    expect(signatureHeader('whsec_x', '{"a":1}', 1700000000)).toBe(`t=1700000000,v1=${expected}`);
  });
});

describe('SecretBox', () => {
  it('opens what it sealed, never stores the plain text, and refuses another key or a tampered value', () => {
    const secret = newWebhookSecret();
    const box = new SecretBox('k'.repeat(32));
    const sealed = box.seal(secret);

    expect(sealed).not.toContain(secret);
    expect(box.seal(secret)).not.toBe(sealed);
    expect(box.open(sealed)).toBe(secret);
    expect(() => new SecretBox('other'.repeat(8)).open(sealed)).toThrow();
    expect(() => box.open(`${sealed.slice(0, -2)}AA`)).toThrow();
  });
});
