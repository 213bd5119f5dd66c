import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { executeSweep } from '../../src/cli/commands/sweep.ts';
import { executeSync } from '../../src/cli/commands/sync.ts';
import { ExitCode } from '../../src/pipeline/failure-policy.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { SweepReport } from '../../src/sweep/sweep-report.ts';
import { startPortal } from '../connectors/hubspot/harness.ts';
import { addRoutingOwners } from '../connectors/hubspot/pipeline-kit.ts';

/** `tossup sync` keeps each lead's re-check in the state directory; `tossup sweep` acts on it. */

const dir = mkdtempSync(join(tmpdir(), 'tossup-recheck-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tossup sync → tossup sweep: a re-check from the state directory', () => {
  it('the campaign that starts the next day tosses the contact up in the first sweep after its start', async () => {
    const clock = new EmulatorClock();
    clock.pin('2026-11-20T01:00:00.000Z');
    const hs = await startPortal({ clock });
    addRoutingOwners(hs);
    const id = hs.store.create(
      'contacts',
      {
        firstname: 'テスト',
        jobtitle: '取締役',
        state: '東京都',
        company_size: '1500名',
        ma_behaviour_score: '35',
      },
      { system: true, at: Date.parse('2026-11-20T00:00:00.000Z') },
    ).id;
    hs.store.rebuildIndexes();
    // The large preset with its campaign moved to 11/21–11/22.
    const rules = join(dir, 'rules.yaml');
    writeFileSync(
      rules,
      readFileSync('mappings/rules/large.yaml', 'utf8')
        .replace('from: 2026-12-01', 'from: 2026-11-21')
        .replace('to: 2026-12-25', 'to: 2026-11-22'),
    );
    const env = {
      TOSSUP_HUBSPOT_BASE_PATH: hs.basePath,
      TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken,
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
      TOSSUP_RULES: rules,
      TOSSUP_NOTIFICATIONS: join(dir, 'none.yaml'),
      TOSSUP_LOCALE: 'en',
    };
    const io = (at: string) => {
      const out = collector();
      return {
        env,
        stdout: out.stream,
        stderr: collector().stream,
        clock: fixedClock(at),
        profileFiles: [],
        out,
      };
    };

    const sync = await executeSync({ crm: 'hubspot' }, io('2026-11-20T01:00:00.000Z'));
    expect(sync.exitCode).toBe(ExitCode.Ok);
    expect(hs.store.get('contacts', id)!.props.tossup_flag).toBe('no');

    clock.pin('2026-11-20T15:05:00.000Z');
    const sweepIo = io('2026-11-20T15:05:00.000Z');
    const sweep = await executeSweep({ crm: 'hubspot', json: true }, sweepIo);
    expect(sweep.exitCode).toBe(ExitCode.Ok);
    const report = JSON.parse(sweepIo.out.text()) as SweepReport;
    expect(report.rechecks).toMatchObject({ due: 1, changed: 1, handOffs: 1, stop: null });
    expect(hs.store.get('contacts', id)!.props.tossup_flag).toBe('yes');
  });
});

function collector(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}
