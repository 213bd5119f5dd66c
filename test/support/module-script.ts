import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';

/** A real Node process running `source` as an ES module (`node --input-type=module -e`). */
export function spawnModuleScript(source: string, stdio: StdioOptions): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', source], { stdio });
}

/**
 * Waits until `child` prints `marker` on its stdout, then kills it with SIGKILL (no handler runs, as
 * when a machine or the OOM killer stops it) and waits for it to be gone. Rejects if it exits first.
 */
export async function killWhenItSays(child: ChildProcess, marker: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes(marker) && resolve());
    child.on('exit', (code) => reject(new Error(`the child exited before saying "${marker}" (${code})`)));
  });
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
}
