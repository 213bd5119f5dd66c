#!/usr/bin/env -S node --max-semi-space-size=2 --optimize-for-size
// `tossup` on PATH (npm link) runs on whatever `node` the shell finds first. The CLI is TypeScript run
// by Node's type stripping (Node >= 22.18); on an older Node this shim re-runs it with the Node 22 that
// `npm install` pins in node_modules, or says in one line what to do. Plain JavaScript on purpose.
// The shebang's Node flags are the CLI's (NODE_FLAGS below, the `tossup` script of package.json:
// docs/benchmarks.md "The young generation"); a V8 heap flag only counts when the process starts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');
/** The Node flags of every `tossup` process (the shebang's; test/cli/bin-shim.test.ts keeps them equal). */
const NODE_FLAGS = ['--max-semi-space-size=2', '--optimize-for-size'];

if (major > 22 || (major === 22 && minor >= 18)) {
  await import('../src/cli/main.ts');
} else {
  const pinned = [
    join(root, 'node_modules', 'node', 'bin', 'node'),
    join(root, 'node_modules', '.bin', 'node'),
  ].find((p) => existsSync(p));
  if (!pinned) {
    process.stderr.write(
      `tossup needs Node 22.18 or later (this is Node ${process.versions.node}): run \`npm install\` in ${root} to get the pinned Node 22, or install Node 22\n`,
    );
    process.exit(2);
  }
  const child = spawn(pinned, [...NODE_FLAGS, main, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Stopping the shim stops the CLI (e.g. `tossup emulate` and its emulators), then ends the same way.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, () => child.kill(s));
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
