import { vi } from 'vitest';

/**
 * Captures what an in-process command writes to stdout and stderr (and keeps it off the test
 * output). The caller undoes it with `vi.restoreAllMocks()`.
 */
export function captureOutput(): { out(): string; err(): string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    out += String(c);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err += String(c);
    return true;
  });
  return { out: () => out, err: () => err };
}
