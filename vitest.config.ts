import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Tests that start the CLI, a server or a browser take seconds; under load (a CI runner shared with other jobs)
    // several times more. A hang still fails, later.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
