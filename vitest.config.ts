import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One temporary folder per run, removed at the end (FASTML_KEEP_TEST_TMP=1 keeps it).
    globalSetup: ['test/setup/tmpdir.ts'],
  },
});
