import crypto from 'node:crypto';
import { completeSecrets, defaultGenerators, generateReadablePassword, type SecretGenerators } from './secrets';

const counting = (): SecretGenerators => {
  let n = 0;
  return {
    token: () => `token-${++n}`,
    privateKey: () => `key-${++n}`,
    password: () => `password-${++n}`,
  };
};

describe('completeSecrets', () => {
  it('generates every secret, one per service client, on the first run', () => {
    const { secrets, changed } = completeSecrets(undefined, ['gateway', 'sessions'], counting());

    expect(changed).toBe(true);
    expect(Object.keys(secrets.serviceClients)).toEqual(['gateway', 'sessions']);
    const values = [
      secrets.registryToken,
      secrets.jwtPrivateKey,
      secrets.adminPassword,
      secrets.postgresPassword,
      ...Object.values(secrets.serviceClients),
    ];
    expect(new Set(values).size).toBe(values.length);
  });

  it('reuses stored secrets and reports nothing to save', () => {
    const first = completeSecrets(undefined, ['gateway'], counting()).secrets;
    const stored: unknown = JSON.parse(JSON.stringify(first));

    const again = completeSecrets(stored, ['gateway'], counting());

    expect(again.secrets).toEqual(first);
    expect(again.changed).toBe(false);
  });

  it('adds a secret for a newly added service client and keeps the others', () => {
    const first = completeSecrets(undefined, ['gateway'], counting()).secrets;

    const again = completeSecrets(first, ['gateway', 'channels'], { ...counting(), token: () => 'new-client-secret' });

    expect(again.changed).toBe(true);
    expect(again.secrets.serviceClients).toEqual({
      gateway: first.serviceClients['gateway'],
      channels: 'new-client-secret',
    });
    expect(again.secrets.registryToken).toBe(first.registryToken);
    expect(again.secrets.postgresPassword).toBe(first.postgresPassword);
  });

  it('regenerates fields that are missing, empty or not strings', () => {
    const { secrets, changed } = completeSecrets(
      { registryToken: '', jwtPrivateKey: 42, adminPassword: 'kept-1' },
      [],
      counting(),
    );

    expect(changed).toBe(true);
    expect(secrets.registryToken).toMatch(/^token-/);
    expect(secrets.jwtPrivateKey).toMatch(/^key-/);
    expect(secrets.adminPassword).toBe('kept-1');
  });
});

describe('generated secrets', () => {
  it('makes a readable admin password of 16+ characters with letters and digits', () => {
    for (let i = 0; i < 50; i++) {
      const password = generateReadablePassword();
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).not.toMatch(/[01ilo]/);
    }
  });

  it('draws again when the random picks give no digit', () => {
    const [a, nine] = [0, 30]; // indexes into the alphabet
    const picks = [...Array<number>(20).fill(a), ...Array<number>(19).fill(a), nine];

    const password = generateReadablePassword(() => picks.shift() ?? a);

    expect(password).toBe('aaaaa-aaaaa-aaaaa-aaaa9');
  });

  it('makes a registry token of 32 random bytes in hex', () => {
    expect(defaultGenerators.token()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('makes an ES256 (EC P-256) private key in PKCS8 PEM', () => {
    const pem = defaultGenerators.privateKey();

    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = crypto.createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});
