import { describe, expect, it, vi } from 'vitest';

// The flag goes to V8 through `node:v8`; setting it for real would change this test worker's heap.
const { setFlagsFromString } = vi.hoisted(() => ({ setFlagsFromString: vi.fn() }));
vi.mock('node:v8', async (original) => ({
  ...(await original<typeof import('node:v8')>()),
  setFlagsFromString,
}));

const { limitSyncHeapGrowth, SYNC_HEAP_GROWING_PERCENT } = await import('../../src/cli/sync-heap-growth.ts');
const { registerSync } = await import('../../src/cli/commands/sync.ts');

describe("the sync process's heap growth (docs/benchmarks.md, the old generation's growth)", () => {
  it('is set as a V8 flag, below the ~40% V8 chose for itself under a 512 MB cap', () => {
    setFlagsFromString.mockClear();
    limitSyncHeapGrowth();
    expect(setFlagsFromString).toHaveBeenCalledExactlyOnceWith(
      `--heap-growing-percent=${SYNC_HEAP_GROWING_PERCENT}`,
    );
    expect(SYNC_HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(SYNC_HEAP_GROWING_PERCENT).toBeLessThan(40);
  });

  it('is set by `tossup sync` before it runs, and not by registering the command', async () => {
    const { Command } = await import('commander');
    const program = new Command().exitOverride();
    setFlagsFromString.mockClear();
    registerSync(program);
    expect(setFlagsFromString).not.toHaveBeenCalled();
    // A profile that does not exist: the command stops at its settings, after the flag was set.
    const before = process.exitCode;
    const quiet = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    await program
      .parseAsync(['node', 'tossup', 'sync', '--crm', 'salesforce', '--profile', 'no-such-profile'], {
        from: 'node',
      })
      .catch(() => undefined);
    quiet.mockRestore();
    process.exitCode = before;
    expect(setFlagsFromString).toHaveBeenCalledWith(`--heap-growing-percent=${SYNC_HEAP_GROWING_PERCENT}`);
  });
});
