import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from './run-report.ts';

export const DEFAULT_RUNS_DIR = 'out/runs';

/**
 * Keeps the run report as `<dir>/<crm>-<timestamp>.json`. The name is claimed first (exclusive
 * create), so two runs in the same second get `-2`, `-3`, … instead of overwriting each other; the
 * content then lands by rename, so a reader never sees half a report. Returns the path written.
 */
export async function saveRunReport(
  report: Pick<RunReport, 'runId'> & object,
  dir: string = DEFAULT_RUNS_DIR,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  for (let n = 1; n < 100; n++) {
    const path = join(dir, `${report.runId}${n === 1 ? '' : `-${n}`}.json`);
    try {
      await writeFile(path, '', { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
    return path;
  }
  throw new Error(`could not find a free file name for run ${report.runId} in ${dir}`);
}
