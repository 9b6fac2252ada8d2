import { defineConfig } from 'vitest/config';

// The real-Guix tier (npm run test:guix, through test/real-guix/setup.sh): tests against GNU Guix
// 1.5.0 in a Debian sid root. They share the root's one /gnu/store, so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/real-guix/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    // Scratch files in one directory per run, removed at its end, as in the main suite.
    globalSetup: ['./test/support/scratch-setup.ts'],
    reporters: ['default', './test/real-guix/support/reporter.ts'],
  },
});
