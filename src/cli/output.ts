import type { Writable } from 'node:stream';

/** Writes respecting backpressure, so streaming 1M decisions keeps memory flat. */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', resolve));
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
