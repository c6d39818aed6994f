import { hash, verify, type Algorithm } from '@node-rs/argon2';

// `Algorithm` is an ambient const enum (not importable as a value under isolatedModules); 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

/** argon2id hashing with configurable cost; a dummy hash keeps unknown-email logins as slow as real ones. */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: { memoryCost: number; timeCost: number }) {}

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, memoryCost: this.cost.memoryCost, timeCost: this.cost.timeCost, parallelism: 1 });
  }

  async verify(hashed: string | undefined, password: string): Promise<boolean> {
    if (hashed === undefined) {
      this.dummy ??= this.hash('dummy-password-for-timing-1');
      await verify(await this.dummy, password);
      return false;
    }
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  }
}
