import { readFileSync } from 'node:fs';

/**
 * The Node flags `tossup` starts with: those of the `tossup` script in package.json (`node <flags>
 * src/cli/main.ts`; bin/tossup.js's shebang has the same, test/cli/bin-shim.test.ts). The scale
 * sync's process starts with them as `tossup sync` does, so a process setting of the product (the
 * young generation's size, docs/benchmarks.md) is measured the way the product applies it.
 */
export function cliNodeFlags(
  packageJson = readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
): string[] {
  const script = (JSON.parse(packageJson) as { scripts: Record<string, string> }).scripts.tossup ?? '';
  const words = script.trim().split(/\s+/);
  const entry = words.indexOf('src/cli/main.ts');
  if (words[0] !== 'node' || entry < 0) {
    throw new Error(`package.json's tossup script is not "node [flags] src/cli/main.ts": ${script}`);
  }
  return words.slice(1, entry);
}
