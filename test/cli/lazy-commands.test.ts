import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Commands load lazily (issue 11): `tossup score` and `tossup validate` start without the emulators
 * `demo`/`emulate` start and without a CRM SDK. What a real `node src/cli/main.ts …` process loads is
 * recorded by the scripts/count-modules.ts preload (module.registerHooks), not guessed from imports.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
const HOOK = join(ROOT, 'scripts/count-modules.ts');
const dir = mkdtempSync(join(tmpdir(), 'tossup-lazy-'));
const leads = join(dir, 'leads.jsonl');
writeFileSync(
  leads,
  `${JSON.stringify({ id: 'L1', company: { name: '山田工業', employees: '1,200名' }, person: { title: '部長' } })}\n`,
);

const NOT_FOR_FILES = {
  emulators: /\/emulators\//,
  jsforce: /\/node_modules\/jsforce\//,
  hubspotSdk: /\/node_modules\/@hubspot\/api-client\//,
};

let seq = 0;
/** The files one CLI run loaded, and its exit code; no TOSSUP_* or profile of the machine. */
async function loaded(args: string[]): Promise<{ code: number; files: string[] }> {
  const out = join(dir, `modules-${++seq}.json`);
  const env = { PATH: process.env.PATH ?? '', HOME: dir, TOSSUP_MODULES_OUT: out };
  let code = 0;
  try {
    await promisify(execFile)(process.execPath, ['--import', HOOK, MAIN, ...args], { cwd: ROOT, env });
  } catch (e) {
    code = (e as { code: number }).code;
  }
  const urls = JSON.parse(readFileSync(out, 'utf8')) as string[];
  return { code, files: urls.filter((u) => u.startsWith('file:')) };
}

function heavy(files: string[]): Record<keyof typeof NOT_FOR_FILES, number> {
  const count = (re: RegExp) => files.filter((f) => re.test(f)).length;
  return {
    emulators: count(NOT_FOR_FILES.emulators),
    jsforce: count(NOT_FOR_FILES.jsforce),
    hubspotSdk: count(NOT_FOR_FILES.hubspotSdk),
  };
}

const COMMANDS = {
  'score --help': ['score', '--help'],
  'score on a file': ['score', '--rules', 'small', '--input', leads, '--at', '2026-11-20T09:00:00Z'],
  'validate --help': ['validate', '--help'],
  'validate (offline)': ['validate'],
  'demo --help': ['demo', '--help'],
};
type Run = Awaited<ReturnType<typeof loaded>>;
const runs: Record<string, Run> = {};

describe('lazy command loading', () => {
  beforeAll(async () => {
    const done = await Promise.all(Object.values(COMMANDS).map((args) => loaded(args)));
    Object.keys(COMMANDS).forEach((name, i) => {
      runs[name] = done[i]!;
    });
  });

  it.each(['score --help', 'score on a file', 'validate --help', 'validate (offline)'])(
    '%s loads neither the emulators nor a CRM SDK',
    (name) => {
      expect(runs[name]!.code).toBe(0);
      expect(heavy(runs[name]!.files)).toEqual({ emulators: 0, jsforce: 0, hubspotSdk: 0 });
    },
  );

  it('score --help declares its options without loading the scoring engine or the rule loader', () => {
    const help = runs['score --help']!.files;
    expect(help.filter((f) => /\/src\/(scoring|config|normalize|reasons)\//.test(f))).toEqual([]);
  });

  it('the count sees what a command really loads: score runs the engine, demo --help loads the emulators', () => {
    // Without this, a preload that recorded nothing would pass the tests above.
    expect(runs['score on a file']!.files.some((f) => f.includes('/src/scoring/'))).toBe(true);
    expect(heavy(runs['demo --help']!.files).emulators).toBeGreaterThan(0);
  });
});
