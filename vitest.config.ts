import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Emulator-backed tests bind loopback ports; threads would share one event loop budget on 2 cores.
    pool: 'forks',
    // One temporary directory per run, removed after it (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
    // Node's node:sqlite warning silenced in each worker, as src/cli/main.ts does (test/support/quiet-sqlite.ts).
    setupFiles: ['test/support/quiet-sqlite.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
