/**
 * Vitest global setup: every temporary file of a test run goes under one directory made for the run
 * and removed after it. Tests (and the CLI children and emulators they start, which inherit TMPDIR)
 * make their own `mkdtemp` directories through `os.tmpdir()`, and not all of them can clean up: a
 * child killed on purpose leaves its files, and a failed test skips its `finally`. Without this a CI
 * machine gathered ~200 directories in /tmp per run.
 * `TOSSUP_KEEP_TEST_TMP=1` keeps the directory (its path is printed) to look into a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'tossup-test-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.TOSSUP_KEEP_TEST_TMP === '1') console.log(`test files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
