import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cursorKey, runSync } from '../../../src/pipeline/run-sync.ts';
import { FileRecheckStore } from '../../../src/state/file-recheck-store.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect } from './sf-kit.ts';

// No re-decision without new rule input (src/pipeline/decision-inputs.ts), on the polling path: a
// person's edit of a field no rule reads — the name (read for chat notices only) or a field the
// mapping does not read at all — brings the lead into the next incremental run, which reads it and
// does not decide it again; an edit of a rule input is decided.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Salesforce: no re-decision when the decision inputs are as last decided', () => {
  it('a name or an unread field edited: read, not decided again; a rule input edited: decided', async () => {
    const { emu, routing } = await worldOrg(30);
    const connector = await connect(emu);
    const dir = mkdtempSync(join(tmpdir(), 'tossup-no-redecide-sf-'));
    dirs.push(dir);
    const options = syncOptions(emu, connector, routing, { rechecks: new FileRecheckStore(dir) });
    await options.state.putCursor(
      cursorKey('salesforce', 'default'),
      { modifiedAt: new Date(0).toISOString(), idsAtModifiedAt: [] },
      null,
    );
    const first = await runSync(options);
    expect(first.status).toBe('completed');
    expect(first.counts.written).toBe(30);

    const [renamed, unread, retitled] = emu.store
      .all('Lead')
      .filter((l) => !l.Sales_TossUp_Request__c)
      .map((l) => l.Id as string);
    const person = emu.store.defaultActorId;
    emu.clock.advance(5_000);
    emu.store.update('Lead', renamed!, { LastName: '山田' }, { userId: person });
    emu.store.update('Lead', unread!, { Description: '展示会で名刺交換' }, { userId: person });
    emu.store.update('Lead', retitled!, { Title: '代表取締役社長' }, { userId: person });
    emu.clock.advance(10_000);
    const second = await runSync(options);
    expect(second.counts.leadsRead).toBe(3);
    expect(second.counts.inputsUnchanged).toBe(2);
  });
});
