import { defineConfig } from 'vitest/config';

// The suites run real HTTP servers on loopback and wait out real Retry-After delays.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 20_000 },
});
