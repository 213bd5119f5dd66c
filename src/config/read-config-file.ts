import { readFileSync } from 'node:fs';
import { ConfigError } from '../domain/errors.ts';

/** Reads an admin-edited file; a missing or unreadable one is a `ConfigError` naming the file and the fix. */
export function readConfigFile(file: string, what: string, hint: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: '',
        message: `cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        hint,
      },
    ]);
  }
}
