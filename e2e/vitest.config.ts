import { defineConfig } from 'vitest/config';

// Full-stack tests share loopback ports and the CPU: run files one at a time.
export default defineConfig({
  test: { include: ['stack/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});
