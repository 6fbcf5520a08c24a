import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** Hashes and checks passwords; features take it as a dependency so tests can lower the cost. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spend the same time as a real check when the account does not exist, so a login's
   * response time does not reveal which emails have accounts.
   */
  verifyAgainstDummy(password: string): Promise<void>;
}

export interface Argon2Cost {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, Argon2id option 2: m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2ID: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// The package declares Algorithm as a const enum, which erasable TypeScript cannot reference.
const ARGON2ID = 2 as Algorithm;

export function createArgon2Hasher(cost: Argon2Cost = OWASP_ARGON2ID): PasswordHasher {
  const options = { ...cost, algorithm: ARGON2ID };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => hash(password, options),
    verify: (stored, password) => verify(stored, password),
    async verifyAgainstDummy(password) {
      dummy ??= hash('nlyzer-dummy-password-for-timing', options);
      await verify(await dummy, password);
    },
  };
}
