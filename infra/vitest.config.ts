import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['terraform-gen/**/*.test.ts', 'docker/**/*.test.ts'] },
});
