import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { resolveSyncSettings } from '../../src/cli/settings.ts';
import { connectCrm } from '../../src/composition/crm-registry.ts';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';
import { DEFAULT_REASON_MAX_LENGTH } from '../../src/pipeline/process-leads.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { type CrmUnderTest, REPO_ROOT, RULES } from './lab.ts';

/**
 * The verifier: after a scenario's clean run, every person in the emulator is compared with what
 * `tossup score` decides for the same data, and toss-up tasks are counted per person.
 *
 * - The data: the connector's own read (fresh cache, no faults) turns each record into the
 *   lead the engine sees; the lead is exported as a lead-input line (`tossup score --input`) and the
 *   export is checked to normalize back to the identical lead, so the file is the same data.
 * - The decision: `tossup score` as a child process, at the clean run's start and at its end (a
 *   decision depends on time, and the run decides page by page in between); the CRM must hold one
 *   of the two (they differ only for leads crossing a time boundary during the run).
 * - The counts come from the emulator's store, not from the connector: people without a flag,
 *   tasks per person, and tasks missing for a person whose decision needs one.
 */

export interface Verdict {
  people: number;
  /** Tasks beyond the first for one person (the per-key idempotency failed, or a second episode). */
  duplicates: number;
  /** Flag, reason, next action or scores in the CRM differ from `tossup score` on the same data. */
  mismatches: number;
  /** People without a flag, or that the connector's read did not return. */
  unwritten: number;
  /** People whose decision needs a task and who have none with their current decision key. */
  missingTasks: number;
  /** Leads whose export did not normalize back to the same lead (a verifier problem, not the product's). */
  exportErrors: number;
  /** A few examples by record id (no personal data), for the report. */
  examples: string[];
}

interface ScoreLine {
  id: string;
  flag: string;
  scores: { attribute: number; behaviour: number | null };
  nextAction: string;
  reasons: { code: string; params: Record<string, string | number> }[];
}

interface StoredTask {
  key: string;
  personId: string | null;
}

export async function verify(cut: CrmUnderTest, window: { from: number; to: number }): Promise<Verdict> {
  const dir = mkdtempSync(join(cut.dir, 'verify-'));
  const examples: string[] = [];
  const note = (s: string) => {
    if (examples.length < 8) examples.push(s);
  };

  // The emulator's own view.
  const { people, tasks } = storeView(cut);
  const unflagged = [...people.entries()].filter(([, flagged]) => !flagged).map(([id]) => id);
  let unwritten = unflagged.length;
  for (const id of unflagged.slice(0, 3)) note(`${id}: no flag in the CRM`);
  const tasksByPerson = new Map<string, StoredTask[]>();
  for (const t of tasks) {
    const k = t.personId ?? '(none)';
    tasksByPerson.set(k, [...(tasksByPerson.get(k) ?? []), t]);
  }
  let duplicates = 0;
  for (const [id, list] of tasksByPerson) {
    if (list.length > 1) {
      duplicates += list.length - 1;
      note(`${id}: ${list.length} toss-up tasks (${new Set(list.map((t) => t.key)).size} keys)`);
    }
  }

  // The connector's read of the same records.
  const leads = await readAll(cut, dir);
  const byId = new Map(leads.map((l) => [l.id, l]));
  for (const id of people.keys()) {
    if (!byId.has(id) && people.get(id)) {
      unwritten += 1;
      note(`${id}: not returned by a full read`);
    }
  }

  let exportErrors = 0;
  const lines: string[] = [];
  for (const lead of leads) {
    const input = toLeadInput(lead);
    const back = normalizeLead(input, { crm: lead.crm, objectType: lead.objectType });
    if (!back.ok || !isDeepStrictEqual(back.lead, lead)) {
      exportErrors += 1;
      note(`${lead.id}: the exported line does not normalize back to the same lead`);
    }
    lines.push(JSON.stringify(input));
  }
  const file = join(dir, 'leads.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const early = await score(file, window.from);

  const rs = loadRuleSet(RULES);
  const renderer = new ReasonRenderer('ja', rs.messages);
  const holds = (lead: Lead, d: ScoreLine | undefined): boolean => {
    if (!d) return false;
    const c = lead.current;
    return (
      c.flag === d.flag &&
      c.nextAction === d.nextAction &&
      c.reason === renderer.renderCompact(d.reasons, DEFAULT_REASON_MAX_LENGTH) &&
      c.attributeScore === d.scores.attribute &&
      c.behaviourScore === (d.scores.behaviour ?? null)
    );
  };
  // Leads the CRM disagrees on at the run's start are scored again as of its end (one more process
  // only when some lead may have crossed a time boundary while the run was deciding).
  const doubtful = leads.filter((l) => l.current.flag !== null && !holds(l, early.get(l.id)));
  let late = new Map<string, ScoreLine>();
  if (doubtful.length) {
    const again = join(dir, 'doubtful.jsonl');
    writeFileSync(again, `${doubtful.map((l) => JSON.stringify(toLeadInput(l))).join('\n')}\n`);
    late = await score(again, window.to);
  }
  let mismatches = 0;
  let missingTasks = 0;
  for (const lead of leads) {
    if (lead.current.flag === null) continue; // counted as unwritten
    const a = early.get(lead.id);
    const b = late.get(lead.id);
    const d = holds(lead, a) ? a : holds(lead, b) ? b : undefined;
    if (!d) {
      mismatches += 1;
      note(
        `${lead.id}: CRM ${lead.current.flag}/${lead.current.nextAction}, score ${a?.flag}/${a?.nextAction}` +
          (a && lead.current.flag === a.flag ? ' (reason or scores differ)' : ''),
      );
      continue;
    }
    if (d.nextAction !== 'nurture') {
      const key = lead.current.decisionKey;
      const own = tasksByPerson.get(lead.id) ?? [];
      if (!key || !own.some((t) => t.key === key)) {
        missingTasks += 1;
        note(`${lead.id}: ${d.nextAction} but no task with its decision key`);
      }
    }
  }

  return { people: people.size, duplicates, mismatches, unwritten, missingTasks, exportErrors, examples };
}

/** People (id → has a flag) and toss-up tasks, straight from the emulator's store. */
function storeView(cut: CrmUnderTest): { people: Map<string, boolean>; tasks: StoredTask[] } {
  const people = new Map<string, boolean>();
  const tasks: StoredTask[] = [];
  if (cut.handle.kind === 'salesforce') {
    const store = cut.handle.emulator.store;
    for (const type of ['Lead', 'Contact']) {
      for (const r of store.all(type)) people.set(String(r.Id), Boolean(r.TossUp_Flag__c));
    }
    for (const t of store.all('Task')) {
      if (t.TossUp_Key__c)
        tasks.push({ key: String(t.TossUp_Key__c), personId: (t.WhoId as string) ?? null });
    }
  } else {
    const store = cut.handle.emulator.store;
    for (const c of store.list('contacts')) people.set(c.id, Boolean(c.props.tossup_flag));
    for (const t of store.list('tasks')) {
      const key = t.props.tossup_task_key;
      if (!key) continue;
      const to = store.associationsOf('tasks', t.id, 'contacts')[0]?.to ?? null;
      tasks.push({ key, personId: to });
    }
  }
  return { people, tasks };
}

/** A full read through the connector, as `sync` reads, with a cache directory of its own. */
async function readAll(cut: CrmUnderTest, dir: string): Promise<Lead[]> {
  const settings = resolveSyncSettings({
    flags: { crm: cut.crm, rules: RULES },
    env: cut.env(join(dir, 'state')),
    profileFiles: [],
  });
  const connector = await connectCrm(settings.connector, {
    clock: systemClock,
    dryRun: true,
    cacheDir: join(dir, 'cache'),
  });
  const leads = new Map<string, Lead>();
  try {
    for await (const page of connector.source.readChanges({ since: null })) {
      for (const l of page.leads) leads.set(l.id, l);
      for (const id of page.deletedIds) leads.delete(id);
    }
  } finally {
    await connector.close().catch(() => undefined);
  }
  return [...leads.values()];
}

/**
 * The lead as a `tossup score --input` line. Values the connector could not read are put back as
 * the raw text kept in `dataIssues`, so the file reproduces them (and the reasons they cause).
 */
export function toLeadInput(lead: Lead): Record<string, unknown> {
  const input: Record<string, unknown> = {
    id: lead.id,
    objectType: lead.objectType,
    ownerId: lead.ownerId,
    modifiedAt: lead.modifiedAt,
    company: { ...lead.company },
    person: {
      // The display name is optional on the Lead (read for chat notices); an absent one stays absent.
      ...(lead.person.name === undefined ? {} : { name: lead.person.name }),
      title: lead.person.title,
      department: lead.person.department,
      emailDomain: lead.person.emailDomain,
    },
    activities: lead.activities.map((a) => ({ ...a })),
    maBehaviourScore: lead.maBehaviourScore,
    hearing: lead.hearing === null ? null : { ...lead.hearing },
    history: { ...lead.history },
    manualRequest: lead.manualRequest === null ? null : { requested: true, ...lead.manualRequest },
    current: { ...lead.current },
  };
  for (const issue of lead.dataIssues) setPath(input, issue.field, issue.raw);
  return input;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = target;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** `tossup score --input <file> --at <t>` as a child process; decisions by lead id. */
async function score(file: string, at: number): Promise<Map<string, ScoreLine>> {
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'src/cli/main.ts'),
      'score',
      '--rules',
      RULES,
      '--input',
      file,
      '--at',
      new Date(at).toISOString(),
      '--locale',
      'ja',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`tossup score exited ${code}: ${err.slice(0, 500)}`);
  const map = new Map<string, ScoreLine>();
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line) as ScoreLine;
    map.set(String(d.id), d);
  }
  return map;
}
