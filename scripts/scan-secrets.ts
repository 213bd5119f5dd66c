/**
 * Secret scan (reliability table D16): secretlint with its recommended preset (.secretlintrc.json)
 * over every file git tracks, and over packaged artefacts when they are there: the Lambda bundles
 * and admin files the zips are made of (dist/lambda/<function>/) and what `osls package` wrote
 * (.serverless/). Exits 1 on a finding; findings are printed with the value masked.
 *
 *   npm run scan:secrets                       tracked files (+ dist/lambda, .serverless if built)
 *   npm run scan:secrets -- <dir or file>...   those instead (the stack test scans its own build)
 *
 * The test fixtures' fake credentials are shaped so the rules do not take them for real ones (a
 * truncated PEM body, AWS's documented example key id, `pat-na1-…` placeholders), so no ignore
 * rule is needed; add one to .secretlintignore only for a path, with a comment saying why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'node_modules', 'secretlint', 'bin', 'secretlint.js');
/** Archives are scanned through their unpacked contents (the build keeps them next to the zip). */
const SKIP = /\.(zip|png|jpe?g|gif|ico|woff2?|wasm)$/i;

/** Every file under `path` (or `path` itself), archives and images left out. */
export function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return SKIP.test(path) ? [] : [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !SKIP.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The repository's tracked files that exist (a deletion not yet committed is skipped). */
export function trackedFiles(root = ROOT): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
    .map((f) => join(root, f))
    .filter((f) => existsSync(f) && !SKIP.test(f));
}

export interface ScanResult {
  status: number;
  files: number;
  /** secretlint's report (values masked). */
  output: string;
}

/** Runs secretlint over `files` as literal paths; .gitignore does not hide built artefacts. */
export function scanSecrets(files: readonly string[], root = ROOT): ScanResult {
  if (files.length === 0) return { status: 0, files: 0, output: '' };
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      '--secretlintrc',
      join(root, '.secretlintrc.json'),
      '--no-glob',
      '--no-gitignore',
      '--no-color',
      '--no-terminalLink',
      ...files,
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return { status: r.status ?? 1, files: files.length, output: `${r.stdout}${r.stderr}`.trim() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const files = args.length
    ? args.flatMap((a) => filesUnder(resolve(a)))
    : [
        ...trackedFiles(),
        ...filesUnder(join(ROOT, 'dist', 'lambda')),
        ...filesUnder(join(ROOT, '.serverless')),
      ];
  const result = scanSecrets(files);
  if (result.output) console.log(result.output);
  console.log(
    result.status === 0
      ? `secret scan: ${result.files} files, no secrets found`
      : `secret scan: secrets found (above, masked) in ${result.files} files scanned`,
  );
  process.exitCode = result.status === 0 ? 0 : 1;
}
