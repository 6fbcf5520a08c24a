import { defineConfig } from 'vitest/config';

export default defineConfig({
  // PGlite boots in a few seconds, more on a busy two-core machine.
  test: { include: ['src/**/*.test.ts'], hookTimeout: 60_000 },
});
