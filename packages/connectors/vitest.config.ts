import { defineConfig } from 'vitest/config';

// The suites talk to local servers speaking each platform's API over loopback.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
