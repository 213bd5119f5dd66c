import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { executeSweep, sweepLeaseKey } from '../../src/cli/commands/sweep.ts';
import { episodeEvent } from '../../src/episodes/episode.ts';
import { ExitCode } from '../../src/pipeline/failure-policy.ts';
import { cursorKey } from '../../src/pipeline/run-sync.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { connect, seedContacts, startPortal } from '../connectors/hubspot/harness.ts';
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

describe('tossup sweep --dry-run --json --at', () => {
  it('reads and plans as of --at, prints the report as JSON and writes nothing', async () => {
    const hs = await startPortal();
    const id = (name: string) =>
      hs.store.owners.add({ email: `${name}@y.example`, firstName: name, lastName: 'T' }).id;
    const users = { r1: id('r1'), r3: id('r3'), r4: id('r4'), m1: id('m1'), other: id('o') };
    const sub = mkdtempSync(join(dir, 'dry-'));
    const routing = join(sub, 'routing.yaml');
    writeFileSync(routing, routingYaml('hubspot', users));
    const [contact] = seedContacts(hs.store, 1, () => Date.parse('2026-12-01T00:00:00Z'));
    hs.clock.pin('2026-12-07T01:00:00.000Z');
    const connector = await connect(hs);
    const [task] = await connector.episodes.createTasks([
      {
        key: 'tu_dry',
        leadId: contact!,
        objectType: 'contact',
        ownerId: users.r1,
        subject: 't',
        body: 'b',
        dueAt: '2026-12-08T01:00:00.000Z',
        dueDate: '2026-12-08',
        priority: 'high',
      },
    ]);
    await connector.close();
    const store = new FileEpisodeStore(join(sub, 'state'));
    await store.recordStep(
      'tu_dry',
      episodeEvent({
        type: 'handed_off',
        at: '2026-12-07T01:00:00.000Z',
        cause: 'rule',
        crm: 'hubspot',
        leadId: contact!,
        objectType: 'contact',
        nextAction: 'field_sales_tossup',
        owner: { id: users.r1, key: 'r1', poolId: 'fs' },
        taskId: task!.ok ? task!.id : null,
      }),
      sweepSchedule(defaultSlaConfig()),
    );
    const before = await store.get('tu_dry');
    const out = collector();
    const err = collector();
    const at = Date.parse('2026-12-09T02:00:00.000Z'); // past the escalation
    hs.clock.pin(new Date(at).toISOString());
    const result = await executeSweep(
      { crm: 'hubspot', dryRun: true, json: true, at },
      {
        env: {
          TOSSUP_HUBSPOT_BASE_PATH: hs.basePath,
          TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken,
          TOSSUP_STATE_DIR: join(sub, 'state'),
          TOSSUP_RUNS_DIR: join(sub, 'runs'),
          TOSSUP_ROUTING: routing,
          TOSSUP_NOTIFICATIONS: join(sub, 'none.yaml'),
          TOSSUP_LOCALE: 'en',
        },
        stdout: out.stream,
        stderr: err.stream,
        profileFiles: [],
      },
    );
    expect(result.exitCode, err.text()).toBe(ExitCode.Ok);
    const report = JSON.parse(out.text());
    expect(report).toMatchObject({ kind: 'sweep', dryRun: true, crm: 'hubspot' });
    expect(Date.parse(report.at)).toBeGreaterThanOrEqual(at);
    expect(report.counts).toMatchObject({
      checked: 1,
      reminders: 1,
      escalations: 1,
      managerTasks: 1,
      stepsPlanned: 3,
      slaFieldsWritten: 0,
    });
    expect(hs.store.findByUnique('tasks', 'tossup_task_key', 'tu_dry.r0.manager_task')).toBeUndefined();
    expect(hs.store.get('contacts', contact!)!.props.tossup_sla_status).toBeUndefined();
    expect(await store.get('tu_dry')).toEqual(before);
  });
});
