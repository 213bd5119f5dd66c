import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12, "Must show": every command in README.md, docs/pipeline.md and `--help` runs as written.
 * The commands are read from the docs themselves (code blocks and the README's CLI table), so a doc
 * edit is checked too. Each documented command's options must exist in its `--help`; the ones that
 * need no CRM (score, explain, validate, rules doc, --version, --help) are run as child processes, in
 * the minimal form a synopsis allows (optional `[…]` parts dropped), and must exit 0.
 * CRM commands against the emulators are covered by their own tests (sync, emulate, demo).
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
const DOCS = ['README.md', 'docs/pipeline.md'];
/** What a placeholder left in a required option is filled with, to run the command offline. */
const FILL: Record<string, string> = { '--input': 'samples/leads.jsonl', '--rules': 'large' };

interface Documented {
  doc: string;
  text: string;
  /** The `tossup …` arguments, `npm run tossup --` and friends removed. */
  args: string;
}

function documentedCommands(): Documented[] {
  const out: Documented[] = [];
  for (const doc of DOCS) {
    const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
    let fenced = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.startsWith('```')) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        let text = line.replace(/\s+#.*$/, '').trim();
        // A synopsis continues on indented lines (docs/pipeline.md).
        while (/^\s+\[/.test(lines[i + 1] ?? '')) text += ` ${(lines[++i] ?? '').trim()}`;
        const args = tossupArgs(text);
        if (args !== null) out.push({ doc, text, args });
      } else if (line.startsWith('|')) {
        for (const m of line.matchAll(/`(tossup [^`]+)`/g)) {
          const text = (m[1] ?? '').replaceAll('\\|', '|');
          out.push({ doc, text, args: tossupArgs(text) ?? '' });
        }
      }
    }
  }
  return out;
}

/** The arguments after `npm run [--silent|--json] tossup --`, `npx tossup`, `tossup` or `npm start --`. */
function tossupArgs(text: string): string | null {
  const m = /^(?:npm run (?:--silent |--json )?tossup --|npx tossup|tossup)\s+(.*)$/.exec(text);
  if (m) return (m[1] ?? '').replace(/\s*\|.*jq.*$/, '').trim();
  const start = /^npm start --\s+(.*)$/.exec(text);
  return start ? `demo ${start[1]}` : null;
}

/** `setup salesforce|hubspot --x` → [['setup','salesforce'], ['setup','hubspot']]. */
function commandWords(args: string): string[][] {
  const words: string[] = [];
  for (const w of args.split(/\s+/)) {
    if (/^[-[<]/.test(w) || w === '') break;
    words.push(w);
  }
  let paths: string[][] = [[]];
  for (const w of words) paths = paths.flatMap((p) => w.split('|').map((alt) => [...p, alt]));
  return paths;
}

/** The synopsis with its optional parts dropped and the required placeholders filled; null if CRM-bound. */
function minimalOfflineArgs(args: string): string[] | null {
  let s = args;
  while (/\[[^[\]]*\]/.test(s)) s = s.replace(/\s*\[[^[\]]*\]/g, '');
  s = s.replace(/(--[a-z-]+)\s+<[^>]*>/g, (all, flag: string) =>
    FILL[flag] ? `${flag} ${FILL[flag]}` : all,
  );
  const argv = s.split(/\s+/).filter(Boolean);
  if (argv.some((a) => /[<>|…]/.test(a))) return null;
  const offline =
    ['score', 'explain', '--version', '--help'].includes(argv[0] ?? '') ||
    (argv[0] === 'validate' && !argv.includes('--crm')) ||
    (argv[0] === 'rules' && argv[1] === 'doc');
  return offline ? argv : null;
}

const HOME = mkdtempSync(join(tmpdir(), 'tossup-docs-'));
/** A fresh user's environment: no TOSSUP_* variable and no profile of this machine. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [MAIN, ...argv], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: HOME },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const documented = documentedCommands();
const helpCases = new Map<string, Set<string>>();
for (const d of documented)
  for (const words of commandWords(d.args)) {
    const key = words.join(' ');
    const flags = helpCases.get(key) ?? new Set<string>();
    for (const f of d.args.matchAll(/--[a-z][a-z-]*/g)) flags.add(f[0]);
    helpCases.set(key, flags);
  }
const runCases = [
  ...new Map(
    documented.flatMap((d) => {
      const argv = minimalOfflineArgs(d.args);
      return argv ? [[argv.join(' '), { cmd: argv.join(' '), argv, from: d.doc }] as const] : [];
    }),
  ).values(),
  { cmd: '--version', argv: ['--version'], from: 'README.md' },
  { cmd: '--help', argv: ['--help'], from: 'README.md' },
];

describe('the commands the docs show', () => {
  it('finds the README table, its example and the pipeline synopses', () => {
    // Guards the parser: if the docs' shape changed and nothing were found, the tests below would be empty.
    const names = [...helpCases.keys()];
    for (const c of [
      'demo',
      'sync',
      'validate',
      'score',
      'explain',
      'rules doc',
      'emulate',
      'setup salesforce',
    ])
      expect(names).toContain(c);
    expect(runCases.map((r) => r.argv[0])).toEqual(
      expect.arrayContaining(['score', 'explain', 'validate', 'rules', '--version']),
    );
  });

  it.each([...helpCases].map(([cmd, flags]) => ({ cmd, flags: [...flags] })))(
    '`tossup $cmd --help` exits 0 and lists every documented option',
    async ({ cmd, flags }) => {
      const r = await run([...cmd.split(' '), '--help']);
      expect(r.code, r.stderr).toBe(0);
      for (const f of flags) expect(r.stdout, `${cmd}: ${f}`).toContain(f);
    },
  );

  it.each(runCases)('`tossup $cmd` runs as written ($from)', async ({ argv }) => {
    const r = await run(argv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).not.toBe('');
  });
});
