import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import type { FaultRule } from '../../emulators/shared/faults.ts';
import type { HttpApp } from '../../emulators/shared/http-app.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import type { World } from '../../emulators/world/world.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { clearOfTokyoMidnight, MIDNIGHT_GUARD_MS } from '../support/local-midnight.ts';

/**
 * The fault lab: a seeded world, one CRM emulator per scenario (in this process, so the harness can
 * watch every request), and `tossup sync` as a real child process that the harness can SIGKILL.
 * Kills are placed by observing the emulator, never by hooks in the product: a tripwire holds the
 * n-th request of a kind (before or after the CRM applied it) and the harness kills the child while
 * that request is open, so "killed after the tasks were created, before the fields were written" is
 * the same point on every run.
 */

export type Crm = 'salesforce' | 'hubspot';
export const CRMS: readonly Crm[] = ['salesforce', 'hubspot'];

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'src/cli/main.ts');
/** The preset both `sync` and the verifier's `score` use. */
export const RULES = 'large';

export interface LabOptions {
  leads: number;
  seed: number;
  workDir: string;
}

/** A world and the routing file for it, shared by every scenario of a suite run. */
export class FaultLab {
  readonly world: World;
  readonly options: LabOptions;
  #routingFile: string | null = null;

  constructor(options: LabOptions) {
    this.options = options;
    mkdirSync(options.workDir, { recursive: true });
    this.world = generateWorld({
      seed: options.seed,
      leads: options.leads,
      // Whole seconds, as `tossup emulate` does; recent, so today's decisions see recent activity.
      asOf: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    });
  }

  /** Ids are derived from world keys, so one routing file fits every emulator seeded from this world. */
  async routingFile(): Promise<string> {
    if (this.#routingFile) return this.#routingFile;
    const sf = await startSalesforceEmulator({ world: this.world, rateLimits: false });
    const hs = await startHubspotEmulator({ world: this.world, rateLimits: { enabled: false } });
    try {
      const file = join(this.options.workDir, 'routing.yaml');
      writeFileSync(
        file,
        routingYamlForWorld(this.world, {
          salesforceUsers: sf.seeded?.users ?? new Map(),
          salesforceQueues: sf.seeded?.queues ?? new Map(),
          hubspotOwners: hs.seedSummary?.ids.owners ?? new Map(),
        }),
      );
      this.#routingFile = file;
      return file;
    } finally {
      await Promise.all([sf.close(), hs.close()]);
    }
  }

  /** A freshly seeded emulator of `crm` with rate limits on, plus a state directory of its own. */
  async start(crm: Crm, name: string): Promise<CrmUnderTest> {
    // A scenario's runs and `tossup score` must see the same day of the rules' zone.
    await clearOfTokyoMidnight(MIDNIGHT_GUARD_MS);
    const routing = await this.routingFile();
    const dir = join(this.options.workDir, `${crm}-${name}`);
    mkdirSync(dir, { recursive: true });
    if (crm === 'salesforce') {
      const sf = await startSalesforceEmulator({ world: this.world, rateLimits: true });
      const c = sf.credentials;
      return new CrmUnderTest(
        crm,
        dir,
        sf.app,
        (ms) => sf.clock.advance(ms),
        () => sf.close(),
        {
          TOSSUP_SALESFORCE_LOGIN_URL: sf.loginUrl,
          TOSSUP_SALESFORCE_CLIENT_ID: c.clientId,
          TOSSUP_SALESFORCE_CLIENT_SECRET: c.clientSecret,
          TOSSUP_SALESFORCE_USERNAME: c.username,
          TOSSUP_SALESFORCE_PASSWORD: c.password,
          TOSSUP_SALESFORCE_MAPPING: join(REPO_ROOT, 'mappings/salesforce.yaml'),
          TOSSUP_ROUTING: routing,
        },
        { kind: 'salesforce', emulator: sf },
      );
    }
    const hs = await startHubspotEmulator({ world: this.world, rateLimits: { enabled: true } });
    return new CrmUnderTest(
      crm,
      dir,
      hs.app,
      (ms) => hs.clock.advance(ms),
      () => hs.close(),
      {
        TOSSUP_HUBSPOT_BASE_PATH: hs.basePath,
        TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken,
        TOSSUP_HUBSPOT_MAPPING: join(REPO_ROOT, 'mappings/hubspot.yaml'),
        TOSSUP_ROUTING: routing,
      },
      { kind: 'hubspot', emulator: hs },
    );
  }
}

type EmulatorHandle =
  | { kind: 'salesforce'; emulator: Awaited<ReturnType<typeof startSalesforceEmulator>> }
  | { kind: 'hubspot'; emulator: Awaited<ReturnType<typeof startHubspotEmulator>> };

/** Where a tripwire stops a request: before the CRM applies it, or after (applied, never answered). */
export type TripMode = 'before' | 'after';

export interface Tripwire {
  /** Route name, e.g. `sf.collections.update` (the emulator's counter and fault key); `*` = any call. */
  route: string;
  /** Which matching request (1 = the first). */
  nth: number;
  mode: TripMode;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  /** Who killed it: the tripwire, the scenario (a timed kill), or the harness's time limit (a hang). */
  killedBy: 'trip' | 'scenario' | 'time_limit' | null;
  /** Whether the tripwire fired (a kill scenario whose tripwire never fired proves nothing). */
  tripped: boolean;
  ms: number;
  /** From the run report's `finishedAt` to the process exit; null without a report. */
  exitLagMs: number | null;
  output: string;
}

export interface SyncRun {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** SIGKILL now (a timed kill by the scenario). */
  kill(): void;
}

/** One seeded CRM emulator under test and the `tossup sync` runs against it. */
export class CrmUnderTest {
  readonly crm: Crm;
  readonly dir: string;
  readonly app: HttpApp;
  readonly handle: EmulatorHandle;
  readonly #advance: (ms: number) => void;
  readonly #close: () => Promise<void>;
  readonly #env: Record<string, string>;
  /** Responses by status since the last `resetStatuses` (every route but the admin path). */
  readonly statuses = new Map<number, number>();
  /** Arrival time and status of every API response since the last `resetStatuses`. */
  readonly responses: { at: number; status: number }[] = [];
  #trip: (Tripwire & { seen: number; fired: boolean }) | null = null;

  constructor(
    crm: Crm,
    dir: string,
    app: HttpApp,
    advance: (ms: number) => void,
    close: () => Promise<void>,
    env: Record<string, string>,
    handle: EmulatorHandle,
  ) {
    this.crm = crm;
    this.dir = dir;
    this.app = app;
    this.#advance = advance;
    this.#close = close;
    this.#env = env;
    this.handle = handle;
    // Observers only: a guard that holds the tripwire's request (answering nothing), and a
    // decorator that counts statuses (the 429 share of a storm's aftermath).
    app.guard((req) => {
      const t = this.#trip;
      if (!t || t.fired || t.mode !== 'before' || (t.route !== '*' && t.route !== req.route))
        return undefined;
      t.seen += 1;
      if (t.seen < t.nth) return undefined;
      t.fired = true;
      return new Promise<never>(() => {});
    });
    app.decorate((req, res) => {
      if (req.route === 'admin') return;
      this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
      this.responses.push({ at: Date.now(), status: res.status });
    });
  }

  /**
   * The shortest wait between a 429 and the next call (ms), over the responses recorded so far;
   * null without a 429 followed by a call. Calls already in flight when the 429 came count too.
   */
  shortestWaitAfter429(): number | null {
    let min: number | null = null;
    const r = this.responses;
    for (let i = 0; i < r.length - 1; i++) {
      if (r[i]!.status !== 429) continue;
      const wait = r[i + 1]!.at - r[i]!.at;
      min = min === null ? wait : Math.min(min, wait);
    }
    return min;
  }

  /** API calls so far, by route name (the emulator's own counters, admin excluded). */
  calls(): number {
    let n = 0;
    for (const [route, c] of this.app.counters) if (route !== 'admin') n += c;
    return n;
  }

  resetStatuses(): void {
    this.statuses.clear();
    this.responses.length = 0;
  }

  /**
   * Moves the emulator clock on, so the next run's read window (which ends a few seconds before the
   * server's clock) covers every write of the previous run without the harness sleeping.
   */
  advanceClock(ms = 5_000): void {
    this.#advance(ms);
  }

  setFaults(rules: readonly FaultRule[], seed: number): void {
    this.app.faults.set(rules, seed);
  }

  clearFaults(): void {
    this.app.faults.clear();
    this.#trip = null;
  }

  arm(trip: Tripwire): void {
    this.#trip = { ...trip, seen: 0, fired: false };
    if (trip.mode === 'before') return;
    // Applied, then never answered: the emulator's `timeout` fault runs the handler and holds the socket.
    this.app.faults.set(
      [{ route: trip.route, after: trip.nth - 1, count: 1, fault: { kind: 'timeout' } }],
      1,
    );
  }

  tripped(): boolean {
    const t = this.#trip;
    if (!t) return false;
    if (t.mode === 'before') return t.fired;
    return (this.app.faults.fired()[0] ?? 0) > 0;
  }

  env(stateDir = join(this.dir, 'state')): Record<string, string> {
    return {
      ...this.#env,
      TOSSUP_RULES: RULES,
      TOSSUP_STATE_DIR: stateDir,
      TOSSUP_RUNS_DIR: join(this.dir, 'runs'),
      TOSSUP_LOCALE: 'ja',
    };
  }

  /** `node src/cli/main.ts sync --crm <crm>` with the emulator's env, as an operator would run it. */
  sync(options: { stateDir?: string; killOnTrip?: boolean; timeoutMs?: number } = {}): SyncRun {
    const started = Date.now();
    const base: Record<string, string> = {};
    // Only what a shell would pass on; no proxy settings from the caller's machine.
    for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SYSTEMROOT']) {
      const v = process.env[k];
      if (v !== undefined) base[k] = v;
    }
    const child = spawn(process.execPath, [CLI, 'sync', '--crm', this.crm], {
      cwd: this.dir,
      env: { ...base, ...this.env(options.stateDir), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    let killedBy: RunResult['killedBy'] = null;
    let tripped = false;
    const kill = (by: NonNullable<RunResult['killedBy']>) => {
      if (child.exitCode === null && child.signalCode === null && killedBy === null) {
        killedBy = by;
        child.kill('SIGKILL');
      }
    };
    const watch = options.killOnTrip
      ? setInterval(() => {
          if (this.tripped()) {
            tripped = true;
            kill('trip');
          }
        }, 5)
      : undefined;
    const limit = setTimeout(() => kill('time_limit'), options.timeoutMs ?? 300_000);
    const done = new Promise<RunResult>((resolve) => {
      child.on('exit', (code, signal) => {
        if (watch) clearInterval(watch);
        clearTimeout(limit);
        const exitedAt = Date.now();
        resolve({
          exitLagMs: exitLag(output, exitedAt),
          exitCode: code,
          signal,
          killed: killedBy !== null,
          killedBy,
          tripped: tripped || this.tripped(),
          ms: Date.now() - started,
          output,
        });
      });
    });
    return { child, done, kill: () => kill('scenario') };
  }

  async close(): Promise<void> {
    await this.#close();
  }
}

/** How long the process lived after its report was finished (the report path is the last line). */
function exitLag(output: string, exitedAt: number): number | null {
  const m = /(?:report|レポート): (\S+\.json)\s*$/m.exec(output);
  if (!m) return null;
  try {
    const report = JSON.parse(readFileSync(m[1]!, 'utf8')) as { finishedAt?: string };
    return report.finishedAt ? exitedAt - Date.parse(report.finishedAt) : null;
  } catch {
    return null;
  }
}
