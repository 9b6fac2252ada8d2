import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The real-Guix tier needs root and a Debian root with Guix: npm run test:guix.
    exclude: ['**/node_modules/**', 'test/real-guix/**'],
    // End-to-end tests spawn processes and build C harnesses; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Scratch files go to one directory per run, removed when the run ends.
    globalSetup: ['./test/support/scratch-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
