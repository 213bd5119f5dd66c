import { InvalidArgumentError } from 'commander';

/** Commander parser of options such as `--limit <n>`. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}
