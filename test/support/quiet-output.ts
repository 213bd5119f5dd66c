import { Writable } from 'node:stream';

/** A non-terminal output stream that discards what it is given (a command's stdout or stderr in a test). */
export function quietOutput(): Writable & { isTTY: false } {
  return Object.assign(
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
    { isTTY: false as const },
  );
}
