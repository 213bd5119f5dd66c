import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubspotEmulator, HubspotEmulatorOptions } from '../../../emulators/hubspot/index.ts';
import type { FaultRule } from '../../../emulators/shared/faults.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import type { RunReport } from '../../../src/pipeline/run-report.ts';
import { clearOfTokyoMidnight, MIDNIGHT_GUARD_MS } from '../../support/local-midnight.ts';
import { startPortal } from './harness.ts';
import { addRoutingOwners } from './pipeline-kit.ts';

/**
 * `tossup sync --crm hubspot` as a real child process against an emulator of this test process:
 * what ends the CLI (an empty event loop, a socket left open) only shows in a process of its own,
 * never in-process where the emulator keeps the loop alive.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

/** HubSpot's answer when the ten-second rolling limit is spent (crm-apis.md), as an emulator fault. */
export const TEN_SECONDLY = {
  kind: 'status',
  status: 429,
  body: {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: '00000000-0000-4000-8000-000000000429',
    policyName: 'TEN_SECONDLY_ROLLING',
    groupName: 'api-calls',
    category: 'RATE_LIMITS',
  },
} as const;

export interface CliPortal {
  hs: HubspotEmulator;
  /** Environment for the child: credentials, its own state and runs directories. */
  env: Record<string, string>;
  dir: string;
  close(): void;
}

/** An emulator seeded with `leads` generated people (as of now) and the routing file's owners. */
export async function cliPortal(leads: number, options: HubspotEmulatorOptions = {}): Promise<CliPortal> {
  // Tests compare runs against the real clock: keep them on one side of the rules' day boundary.
  await clearOfTokyoMidnight(MIDNIGHT_GUARD_MS);
  const asOf = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const hs = await startPortal({ world: generateWorld({ seed: 5, leads, asOf }), ...options });
  addRoutingOwners(hs);
  const dir = mkdtempSync(join(tmpdir(), 'tossup-hs-cli-'));
  return {
    hs,
    dir,
    env: {
      PATH: process.env.PATH ?? '',
      // No profiles.yaml from the developer's home directory.
      HOME: dir,
      TOSSUP_HUBSPOT_BASE_PATH: hs.basePath,
      TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken,
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
      TOSSUP_RULES: 'large',
      TOSSUP_LOCALE: 'en',
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Replaces the emulator's fault rules through its admin path, as a fault run outside the tests does. */
export async function setFaults(hs: HubspotEmulator, rules: FaultRule[]): Promise<void> {
  const res = await fetch(`${hs.basePath}/__admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
  if (res.status !== 204) throw new Error(`fault rules refused: ${res.status} ${await res.text()}`);
}

export async function firedFaults(hs: HubspotEmulator): Promise<number[]> {
  const res = await fetch(`${hs.basePath}/__admin/faults`);
  return ((await res.json()) as { fired: number[] }).fired;
}

export interface CliResult {
  /** `null` when the child had to be killed (it did not end by itself). */
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI and waits for it to end BY ITSELF; after `killAfterMs` (a generous safety net, not a
 * speed bound) it is killed and reported as `killed`.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  killAfterMs = 60_000,
): Promise<CliResult> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let killed = false;
  const guard = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, killAfterMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code: killed ? null : code, killed, stdout, stderr });
    });
  });
}

/** The run reports the CLI saved, oldest first. */
export function runReports(portal: CliPortal): RunReport[] {
  const runs = portal.env.TOSSUP_RUNS_DIR!;
  let names: string[];
  try {
    names = readdirSync(runs).sort();
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(join(runs, n), 'utf8')) as RunReport);
}
