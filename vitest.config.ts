import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** Every project: one temporary root for the tests' files, and dist/ built first (test/global-setup.ts). */
const common = { testTimeout: 30_000, globalSetup: ['test/global-setup.ts'] };

export default defineConfig({
  test: {
    // vitest's default, one worker fewer than the cores, is a single worker on two cores: the files then run
    // one after another while most of them wait on child processes, servers and disks, not on a core.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { test: { ...common, name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/readme.test.ts'] } },
      // The README's examples against the package packed and installed: slow (npm pack and install) and about
      // what a user gets, not one module, so it runs after the suite, on its own (`vitest run --project packed`).
      {
        test: {
          ...common,
          name: 'packed',
          include: ['test/readme.test.ts'],
          sequence: { groupOrder: 1 },
          // README blocks side by side (each in a folder of its own): a block mostly waits on its child.
          maxConcurrency: 3,
        },
      },
    ],
  },
});
