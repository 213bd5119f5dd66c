import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the test run temporary root', () => {
  it('is where os.tmpdir() points in a test process, so the run removes what its tests leave', () => {
    expect(basename(tmpdir())).toMatch(/^tossup-test-/);
    const made = mkdtempSync(join(tmpdir(), 'probe-'));
    expect(dirname(made)).toBe(tmpdir());
  });
});
