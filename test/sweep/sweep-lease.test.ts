import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { executeSweep, sweepLeaseKey } from '../../src/cli/commands/sweep.ts';
import { ExitCode } from '../../src/pipeline/failure-policy.ts';
import { cursorKey } from '../../src/pipeline/run-sync.ts';
import { connect, startPortal } from '../connectors/hubspot/harness.ts';
import { routingYaml } from './crm-sweep.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'tossup-sweep-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tossup sweep: run lease', () => {
  it('has its own lease name (beside a sync); a second sweep of the same CRM and profile exits 5', async () => {
    expect(sweepLeaseKey('hubspot', 'default')).not.toBe(cursorKey('hubspot', 'default'));
    const hs = await startPortal();
    const id = (name: string) =>
      hs.store.owners.add({ email: `${name}@x.example`, firstName: name, lastName: 'T' }).id;
    const users = { r1: id('r1'), r3: id('r3'), r4: id('r4'), m1: id('m1'), other: id('o') };
    const routing = join(dir, 'routing.yaml');
    writeFileSync(routing, routingYaml('hubspot', users));
    await (await connect(hs)).close();
    const env = {
      TOSSUP_HUBSPOT_BASE_PATH: hs.basePath,
      TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken,
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
      TOSSUP_ROUTING: routing,
      TOSSUP_NOTIFICATIONS: join(dir, 'none.yaml'),
      TOSSUP_LOCALE: 'en',
    };
    const io = () => {
      const out = collector();
      const err = collector();
      return { env, stdout: out.stream, stderr: err.stream, profileFiles: [], out, err };
    };
    const a = io();
    const b = io();
    const [first, second] = await Promise.all([
      executeSweep({ crm: 'hubspot' }, a),
      executeSweep({ crm: 'hubspot' }, b),
    ]);
    expect([first.exitCode, second.exitCode].sort()).toEqual([ExitCode.Ok, ExitCode.Busy]);
    const busy = first.exitCode === ExitCode.Busy ? a : b;
    expect(busy.err.text()).toContain('another run holds the lease on sweep|hubspot|default');
    // Once it is released, the next sweep runs.
    expect((await executeSweep({ crm: 'hubspot', json: true }, io())).exitCode).toBe(ExitCode.Ok);
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
