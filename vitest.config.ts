import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Subprocess tests run the built CLI; build once before any test runs.
    globalSetup: ['test/global-setup.ts'],
  },
});
