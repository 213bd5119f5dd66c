import { SfApiError } from '../sf-error.ts';

/**
 * Salesforce prefixes SOQL errors with the offending line, a caret and `ERROR at Row:r:Column:c`;
 * the emulator does the same so logs and error handling look like the real thing.
 */
export function soqlError(
  soql: string,
  pos: number,
  message: string,
  errorCode = 'MALFORMED_QUERY',
): SfApiError {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', pos);
  const line = soql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const col = pos - lineStart;
  // Long lines are windowed around the error, as the real server does.
  const from = Math.max(0, col - 60);
  const snippet = line.slice(from, col + 60);
  const caret = `${' '.repeat(col - from)}^`;
  return new SfApiError(
    400,
    errorCode,
    `\n${snippet}\n${caret}\nERROR at Row:${row}:Column:${col + 1}\n${message}`,
  );
}
