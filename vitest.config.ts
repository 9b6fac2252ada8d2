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
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
