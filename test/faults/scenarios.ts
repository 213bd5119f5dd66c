import type { FaultRule } from '../../emulators/shared/faults.ts';
import { mulberry32 } from '../../emulators/shared/faults.ts';
import type { Crm, CrmUnderTest, FaultLab, RunResult, Tripwire } from './lab.ts';
import { type Verdict, verify } from './verify.ts';

/**
 * The scenarios of `npm run test:faults`: kills at every phase of a run, storms of 5xx, resets,
 * 429s, slow bodies and timeouts, and concurrent runs, on both CRMs. Each one ends with a clean run
 * and the verifier (verify.ts). A scenario passes when the clean run exits 0, every run under fault
 * that was not killed ended with a documented exit code (0 done, 3 done with skipped records, 4
 * stopped: run again later, 5 another run holds the lease), and duplicates, mismatches, unwritten leads and missing tasks are all 0.
 * Extra API calls (over a fault-free run of the same data) are reported, not judged.
 */

export type ScenarioGroup = 'baseline' | 'kill' | 'storm' | 'concurrent' | 'long';

export interface Scenario {
  name: string;
  group: ScenarioGroup;
  /** What the scenario does, for the report. */
  what: string;
  /** Runs the fault part against a fresh emulator; the harness then clears faults and runs clean. */
  act(cut: CrmUnderTest): Promise<Act>;
}

export interface Act {
  runs: RunResult[];
  /** Extra facts for the report (e.g. the 429 share after a storm). */
  notes?: string[];
  /** Scenario-specific failures (e.g. the tripwire never fired). */
  failures?: string[];
  /** Called after the clean run, for checks on it (e.g. the 429 share once the storm is over). */
  afterClean?: (cut: CrmUnderTest) => { notes?: string[]; failures?: string[] };
}

export interface ScenarioResult {
  crm: Crm;
  name: string;
  group: ScenarioGroup;
  what: string;
  /** Exit of each run under fault: a number, `KILL` (SIGKILL by the harness) or `HUNG`. */
  faultExits: string[];
  cleanExit: number | null;
  verdict: Verdict;
  calls: number;
  extraCalls: number;
  ms: number;
  notes: string[];
  failures: string[];
  ok: boolean;
}

/**
 * Exit codes a run under fault may end with (docs/pipeline.md): done, done with skips, stopped (run
 * again), another run holds the lease.
 */
const FAULT_EXITS = new Set([0, 3, 4, 5]);
/** A run that lives on this long after writing its report is held open by a socket or a timer. */
const EXIT_LAG_MS = 15_000;

const SF_TASKS = 'sf.collections.upsert';
const SF_FIELDS = 'sf.collections.update';
// A backfill's first read: page one of the Lead and Contact streams and of the account index, one
// Composite call (all of it in a small world).
const SF_READ = 'sf.composite';
const HS_TASKS = 'hs.tasks.batch.create';
const HS_FIELDS = 'hs.contacts.batch.update';

const routes = (crm: Crm) =>
  crm === 'salesforce' ? { tasks: SF_TASKS, fields: SF_FIELDS } : { tasks: HS_TASKS, fields: HS_FIELDS };

function kill(name: string, what: string, trip: (crm: Crm) => Tripwire): Scenario {
  return {
    name,
    group: 'kill',
    what,
    async act(cut) {
      cut.arm(trip(cut.crm));
      const run = await cut.sync({ killOnTrip: true, timeoutMs: 120_000 }).done;
      const failures = run.tripped ? [] : ['the tripwire never fired: the kill point was not reached'];
      return { runs: [run], failures };
    },
  };
}

/**
 * SIGKILL at a seeded point: the k-th API call of any kind, held before or after the CRM applied
 * it. Counting calls instead of milliseconds keeps the point the same on a slow or busy machine.
 */
function randomKill(seed: number, maxCall: number): Scenario {
  const rnd = mulberry32(seed);
  const nth = 2 + Math.floor(rnd() * (maxCall - 1));
  const mode = rnd() < 0.5 ? 'before' : 'after';
  return kill(
    `kill-random-${seed}`,
    `SIGKILL at API call ${nth} (${mode} the CRM applied it; seed ${seed})`,
    () => ({
      route: '*',
      nth,
      mode,
    }),
  );
}

function storm(name: string, what: string, rules: (crm: Crm) => FaultRule[], seed = 7): Scenario {
  return {
    name,
    group: 'storm',
    what,
    async act(cut) {
      cut.setFaults(rules(cut.crm), seed);
      const run = await cut.sync({ timeoutMs: 240_000 }).done;
      const fired = cut.app.faults.fired().reduce((a, b) => a + b, 0);
      return {
        runs: [run],
        notes: [`${fired} faults injected`],
        failures: fired === 0 ? ['no fault was injected: the storm proves nothing'] : [],
      };
    },
  };
}

/** Every API route but the admin path (which the harness does not use over HTTP anyway). */
const ALL = '*';

const status = (crm: Crm, code: number, extra: Partial<FaultRule> = {}, retryAfter = 1): FaultRule => ({
  route: ALL,
  ...extra,
  fault: {
    kind: 'status',
    status: code,
    ...(code === 429 ? { body: rateLimitBody(crm), headers: { 'retry-after': String(retryAfter) } } : {}),
  },
});

function rateLimitBody(crm: Crm): unknown {
  return crm === 'hubspot'
    ? {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: '00000000-0000-4000-8000-000000000429',
        policyName: 'TEN_SECONDLY_ROLLING',
        groupName: 'api-product:tossup-fault-suite',
        category: 'RATE_LIMITS',
      }
    : [{ message: 'Too many requests', errorCode: 'REQUEST_LIMIT_EXCEEDED' }];
}

function concurrent(name: string, what: string, splitState: boolean): Scenario {
  return {
    name,
    group: 'concurrent',
    what,
    async act(cut) {
      const a = cut.sync({ timeoutMs: 180_000 });
      const b = cut.sync({ timeoutMs: 180_000, ...(splitState ? { stateDir: `${cut.dir}/state-b` } : {}) });
      const runs = await Promise.all([a.done, b.done]);
      return { runs };
    },
  };
}

/**
 * §D 5 and 19 of the reliability table: a storm on 100 % (429) or a sustained share (5xx) of calls
 * for `seconds`, with `tossup sync` started again as soon as it ends (as a scheduler would), then the
 * storm lifts and the clean run must finish everything; with the client's limiter on, under 5 % of
 * the clean run's responses may be 429s.
 */
function longStorm(name: string, what: string, seconds: number, rules: (crm: Crm) => FaultRule[]): Scenario {
  return {
    name,
    group: 'long',
    what,
    async act(cut) {
      const runs: RunResult[] = [];
      cut.setFaults(rules(cut.crm), 11);
      cut.resetStatuses();
      const before = cut.calls();
      let lifted: { calls: number; wait: number | null } | null = null;
      // From the moment the storm lifts, every 429 comes from the emulator's real rate limiter.
      const lift = setTimeout(() => {
        cut.clearFaults();
        lifted = { calls: cut.calls() - before, wait: cut.shortestWaitAfter429() };
        cut.resetStatuses();
      }, seconds * 1000);
      let current = cut.sync({ timeoutMs: 600_000 });
      for (;;) {
        runs.push(await current.done);
        if (lifted) break;
        await new Promise((res) => setTimeout(res, 1000));
        if (lifted) break;
        cut.advanceClock();
        current = cut.sync({ timeoutMs: 600_000 });
      }
      clearTimeout(lift);
      const { calls, wait } = lifted as { calls: number; wait: number | null };
      return {
        runs,
        notes: [
          `${runs.length} runs and ${calls} calls during the ${seconds} s storm` +
            (wait === null ? '' : `, shortest wait after a 429: ${(wait / 1000).toFixed(1)} s`),
        ],
        afterClean: (c) => {
          const total = [...c.statuses.values()].reduce((a, b) => a + b, 0);
          const limited = c.statuses.get(429) ?? 0;
          const share = total ? limited / total : 0;
          const note = `429s once the storm lifted: ${limited}/${total} (${(share * 100).toFixed(1)} %)`;
          return { notes: [note], failures: share >= 0.05 ? [`${note}, limit 5 %`] : [] };
        },
      };
    },
  };
}

export interface SuiteSelection {
  /** People per CRM (places the last field write). */
  leads: number;
  quick: boolean;
  long: boolean;
  longSeconds: number;
}

export function scenarios(sel: SuiteSelection): Scenario[] {
  const baseline: Scenario = {
    name: 'baseline',
    group: 'baseline',
    what: 'no fault: the reference for extra calls, and proof the verifier passes clean data',
    act: async () => ({ runs: [] }),
  };
  const kills: Scenario[] = [
    kill(
      'kill-after-read',
      'read and decided, killed as the first task call arrives (nothing written)',
      (c) => ({
        route: routes(c).tasks,
        nth: 1,
        mode: 'before',
      }),
    ),
    kill('kill-mid-tasks', 'first task call applied by the CRM, killed before the answer', (c) => ({
      route: routes(c).tasks,
      nth: 1,
      mode: 'after',
    })),
    kill('kill-after-tasks', 'tasks created, killed as the first field write arrives', (c) => ({
      route: routes(c).fields,
      nth: 1,
      mode: 'before',
    })),
    kill(
      'kill-mid-write',
      'second field write applied, killed before the answer (cursor not committed)',
      (c) => ({
        route: routes(c).fields,
        nth: 2,
        mode: 'after',
      }),
    ),
    kill(
      'kill-before-commit',
      'every field write applied, the last one never answered: killed before the cursor commit',
      (c) => ({
        route: routes(c).fields,
        // Every person is written on a first run, in calls of 200 (Salesforce) or 100 (HubSpot).
        nth: Math.ceil(sel.leads / (c === 'salesforce' ? 200 : 100)),
        mode: 'after',
      }),
    ),
  ];
  const moreKills: Scenario[] = [
    kill(
      'kill-mid-read',
      'killed while reading: the deals of the company facts (HubSpot), page one of the streams (Salesforce)',
      (c) => ({
        route: c === 'hubspot' ? 'hs.deals.batch.read' : SF_READ,
        nth: 1,
        mode: 'before',
      }),
    ),
    kill('kill-mid-tasks-2', 'second task call applied, killed before the answer', (c) => ({
      route: routes(c).tasks,
      nth: 2,
      mode: 'after',
    })),
    randomKill(101, 10),
    randomKill(202, 10),
    randomKill(303, 10),
  ];
  // Storms start once the run is under way (the first two calls, the login and the first read or
  // describe, are spared), so they reach the reads and writes; `storm-login` covers the login itself.
  const storms: Scenario[] = [
    storm('storm-5xx', '30 % of calls answer 503', (c) => [status(c, 503, { rate: 0.3, after: 2 })]),
    storm('storm-reset', '20 % of calls end in a TCP reset (after the CRM applied them)', () => [
      { route: ALL, rate: 0.2, after: 2, fault: { kind: 'reset' } },
    ]),
    storm('storm-429', 'a burst: the next 6 calls answer 429 (Retry-After: 1)', (c) => [
      status(c, 429, { count: 6, after: 2 }),
    ]),
  ];
  const moreStorms: Scenario[] = [
    storm('storm-login', 'the first two calls (the login) answer 503, then a reset', (c) => [
      status(c, 503, { count: 2 }),
      { route: ALL, count: 1, fault: { kind: 'reset' } },
    ]),
    storm(
      'storm-facts',
      'five 503s in a row on the company-facts read (HubSpot v4 associations; Salesforce page one of the streams and the account index)',
      (c) => [
        c === 'hubspot'
          ? status(c, 503, { route: 'hs.associations.v4.batch.read', count: 5 })
          : status(c, 503, { route: SF_READ, count: 5 }),
      ],
    ),
    storm('storm-mixed', '10 % 503, 10 % 502, 10 % resets, 10 % slow bodies', (c) => [
      status(c, 503, { rate: 0.1, after: 2 }),
      status(c, 502, { rate: 0.11, after: 2 }),
      { route: ALL, rate: 0.125, after: 2, fault: { kind: 'reset' } },
      { route: ALL, rate: 0.14, after: 2, fault: { kind: 'slow_body', bodyDelayMs: 300 } },
    ]),
  ];
  const concurrency: Scenario[] = [
    concurrent('concurrent-same-state', 'two syncs at once sharing one state directory', false),
    concurrent('concurrent-two-states', 'two syncs at once, each with its own state directory', true),
  ];
  const long: Scenario[] = [
    longStorm(
      'storm-429-60s',
      `100 % of calls answer 429 (Retry-After: 30) for ${sel.longSeconds} s`,
      sel.longSeconds,
      (c) => [status(c, 429, { rate: 1 }, 30)],
    ),
    longStorm('storm-5xx-60s', `50 % of calls answer 503 for ${sel.longSeconds} s`, sel.longSeconds, (c) => [
      status(c, 503, { rate: 0.5 }),
    ]),
    {
      name: 'storm-timeout',
      group: 'long',
      what: 'two field writes applied and never answered (the client must time out and retry)',
      async act(cut) {
        cut.setFaults([{ route: routes(cut.crm).fields, count: 2, fault: { kind: 'timeout' } }], 3);
        const run = await cut.sync({ timeoutMs: 240_000 }).done;
        return { runs: [run], notes: [`${cut.app.faults.fired()[0] ?? 0} requests held`] };
      },
    },
  ];
  if (sel.quick) return [baseline, kills[1]!, kills[2]!, storms[0]!];
  return [
    baseline,
    ...kills,
    ...moreKills,
    ...storms,
    ...moreStorms,
    ...concurrency,
    ...(sel.long ? long : []),
  ];
}

/** One scenario on one CRM: fresh emulator, the fault part, a clean run, the verifier. */
export async function runScenario(
  lab: FaultLab,
  crm: Crm,
  scenario: Scenario,
  baselineCalls: number | null,
): Promise<ScenarioResult> {
  const started = Date.now();
  const cut = await lab.start(crm, scenario.name);
  try {
    const act = await scenario.act(cut);
    cut.clearFaults();
    cut.advanceClock();
    const from = Date.now();
    const clean = await cut.sync({ timeoutMs: 300_000 }).done;
    const to = Date.now();
    const calls = cut.calls();
    const after = act.afterClean?.(cut) ?? {};
    cut.advanceClock();
    const verdict = await verify(cut, { from, to });
    const failures = [...(act.failures ?? []), ...(after.failures ?? [])];
    const faultExits = act.runs.map((r) =>
      r.killedBy === 'time_limit' ? 'HUNG' : r.killed ? 'KILL' : String(r.exitCode ?? r.signal),
    );
    for (const [i, r] of act.runs.entries()) {
      if (r.killedBy === 'time_limit') failures.push(`run ${i + 1} hung and was killed after ${r.ms} ms`);
      if (r.exitLagMs !== null && r.exitLagMs > EXIT_LAG_MS)
        failures.push(`run ${i + 1} exited ${(r.exitLagMs / 1000).toFixed(0)} s after its report`);
      if (!r.killed && (r.exitCode === null || !FAULT_EXITS.has(r.exitCode)))
        failures.push(`run ${i + 1} under fault exited ${r.exitCode}: ${lastLines(r.output)}`);
    }
    if (clean.exitLagMs !== null && clean.exitLagMs > EXIT_LAG_MS)
      failures.push(`the clean run exited ${(clean.exitLagMs / 1000).toFixed(0)} s after its report`);
    if (clean.exitCode !== 0) failures.push(`clean run exited ${clean.exitCode}: ${lastLines(clean.output)}`);
    if (verdict.duplicates) failures.push(`${verdict.duplicates} duplicate tasks`);
    if (verdict.mismatches) failures.push(`${verdict.mismatches} mismatches with tossup score`);
    if (verdict.unwritten) failures.push(`${verdict.unwritten} unwritten leads`);
    if (verdict.missingTasks) failures.push(`${verdict.missingTasks} missing tasks`);
    if (verdict.exportErrors) failures.push(`${verdict.exportErrors} leads the verifier could not export`);
    if (verdict.people === 0) failures.push('the emulator holds no people');
    return {
      crm,
      name: scenario.name,
      group: scenario.group,
      what: scenario.what,
      faultExits,
      cleanExit: clean.exitCode,
      verdict,
      calls,
      extraCalls: baselineCalls === null ? 0 : calls - baselineCalls,
      ms: Date.now() - started,
      notes: [...(act.notes ?? []), ...(after.notes ?? [])],
      failures,
      ok: failures.length === 0,
    };
  } finally {
    await cut.close();
  }
}

/** The last lines of a run's output, for a failure message (the CLI never prints secrets). */
function lastLines(output: string, n = 3): string {
  const lines = output.trim().split('\n');
  const telling = lines.filter((l) => /error|fail|stop|lease|lock|cursor|warning|停止|失敗|エラー/i.test(l));
  return (telling.length ? telling : lines).slice(-n).join(' | ').slice(0, 400);
}
