import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { decisionRow } from '../support/ledger-rows.ts';

it('a page of decisions larger than one write lands as one whole file, every line in order, once', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tossup-ledger-append-'));
  const ledger = new FileLedger(stateDir);
  // More than two of the file's write chunks (100 records each), and not a multiple of it.
  const records = Array.from({ length: 1_201 }, (_, i) =>
    decisionRow({ record_id: `d_${i}`, lead_id: `L${i}` }),
  );
  expect(await ledger.append(records)).toEqual({ appended: 1_201 });
  const folder = join(stateDir, 'ledger', 'decisions', `dt=${records[0]!.dt}`);
  const files = readdirSync(folder);
  expect(files).toHaveLength(1);
  const text = readFileSync(join(folder, files[0]!), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  expect(
    text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(records);
  // Appended again: every id is already in the partition.
  expect(await ledger.append(records)).toEqual({ appended: 0 });
  expect(await new FileLedger(stateDir).append(records.slice(0, 3))).toEqual({ appended: 0 });
});
