import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { runCli } from '../support/cli-child.ts';

// What `tossup sync` prints, through the real process against the emulators: CRM values cannot
// drive the terminal (issue 10 #10), and the HubSpot auth hint keeps its words (issue 12).

/** Clear screen, set the window title, ring, reverse the text, and forge a plan line. */
const HOSTILE = 'Evil\u001b[2J\u001b]0;pwned\u0007\u202Egnp.exe\r\nLead FAKE\n  flag: x\u009b31m';
/** Anything a terminal acts on: C0 but LF, DEL, C1, bidi controls, line separators. */
const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let emus: RunningEmulators;
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tossup-terminal-'));
  emus = await startEmulators({ leads: 40, seed: 3, workDir: join(dir, 'emulate') });
  // Half the leads get a head-of-department title (toss-ups: the title is in the task subject),
  // half a staff title (the title is quoted in the "why" line); every company name is hostile.
  // The heads of department are also sales requests, which the large preset's manual_request rule
  // tosses up whatever their activity: the world is generated as of now, and which leads the scores
  // make toss-ups varies with the time of day (CI once found no head of department among them).
  const leads = emus.salesforce.store.all('Lead');
  leads.forEach((l, i) => {
    const head = i % 2 === 0;
    emus.salesforce.store.update('Lead', l.Id as string, {
      Title: `${head ? '営業部長' : '担当'} ${HOSTILE}`,
      Company: `株式会社${HOSTILE}`,
      ...(head ? { Sales_TossUp_Request__c: true } : {}),
    });
  });
  // Those edits are stamped "now"; a sync reads only up to the server clock minus its read lag, so
  // without moving the server clock on they would be left to the next run whenever the CLI
  // starts quickly enough (a flaky test, seen under load).
  emus.salesforce.store.clock.advance(10 * 60_000);
});
afterAll(async () => {
  await emus?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sync(crm: 'salesforce' | 'hubspot', env: Record<string, string> = {}) {
  const run = join(dir, `run${++n}`);
  return runCli(['sync', '--crm', crm, '--dry-run', '--locale', 'en'], {
    ...emus.info.env,
    TOSSUP_RULES: 'small',
    TOSSUP_STATE_DIR: join(run, 'state'),
    TOSSUP_RUNS_DIR: join(run, 'runs'),
    ...env,
  });
}

describe('tossup sync --dry-run with hostile CRM values', () => {
  it('prints titles and company names with control and bidi characters escaped', async () => {
    // The small preset quotes a staff title in the "why" line; the large one tosses up the requests.
    const small = await sync('salesforce');
    const large = await sync('salesforce', { TOSSUP_RULES: 'large' });
    const escaped = 'Evil\\x1b[2J\\x1b]0;pwned\\x07\\u202egnp.exe\\r\\nLead FAKE\\n  flag: x\\x9b31m';
    const lines = (out: string, prefix: string) => out.split('\n').filter((l) => l.startsWith(prefix));
    const taskLines = lines(large.out, '  task [new]: ');
    const whyLines = lines(small.out, '  why: ');
    expect(taskLines.some((l) => l.includes(`株式会社${escaped} / 営業部長 ${escaped}`))).toBe(true);
    expect(whyLines.some((l) => l.includes(`(担当 ${escaped})`))).toBe(true);
    for (const r of [small, large]) {
      expect(r.code).toBe(0);
      // Nothing reaches the terminal raw, and no line was forged.
      expect(r.out).not.toMatch(RAW_CONTROL);
      expect(r.err).not.toMatch(RAW_CONTROL);
      expect(r.out).not.toMatch(/^Lead FAKE/m);
      expect(r.out).not.toMatch(/^ {2}flag: x/m);
    }
  });
});

describe('HubSpot auth failure', () => {
  it('exits 2 and keeps the words of the hint', async () => {
    const r = await sync('hubspot', {
      TOSSUP_HUBSPOT_ACCESS_TOKEN: 'pat-na1-00000000-0000-0000-0000-000000000000',
    });
    expect(r.code).toBe(2);
    expect(r.out).toContain('check the private-app token or OAuth app (and its scopes');
    expect(r.out + r.err).not.toContain('<redacted>');
  });
});
