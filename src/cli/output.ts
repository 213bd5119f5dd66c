import type { Writable } from 'node:stream';
import { firstEvent } from './first-event.ts';

/** Writes respecting backpressure, so streaming 1M decisions keeps memory flat. */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (out.destroyed) return;
  if (out.write(`${line}\n`)) return;
  // A reader that went away never drains: stop waiting on close or error as well.
  await firstEvent(out, ['drain', 'close', 'error']).done;
}

/**
 * Watches `out` for its reader going away (`tossup score … | head`): `closed` turns true and the
 * command stops writing and ends quietly, where Node would otherwise throw an EPIPE stack trace.
 * Other write errors are still thrown.
 */
export function watchClosedPipe(out: Writable): { readonly closed: boolean } {
  const state = { closed: false };
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    state.closed = true;
  });
  return state;
}

export function pad(s: string, width: number): string {
  // East Asian characters take two terminal columns; count them so tables line up.
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w >= width ? s : s + ' '.repeat(width - w);
}
