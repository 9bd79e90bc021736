import { defineConfig } from 'vitest/config';

/** npm run test:interop's Hub part: radpo and Python's huggingface_hub / datasets on one cache (needs Python). */
export default defineConfig({
  test: {
    include: ['test/interop/hub.interop.ts'],
    testTimeout: 300_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
