/** One measured number, as a benchmark process prints it (one JSON object per line, prefixed). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** e.g. ">= 500000"; compared with `value` to fill the "met" column. */
  target?: string;
  met?: boolean;
  note?: string;
}

const PREFIX = 'FIGURE ';

/** Called by benchmark scripts: prints a figure for the runner to collect. */
export function report(f: Omit<Figure, 'met'>): void {
  const met = f.target ? meets(f.value, f.target) : undefined;
  process.stdout.write(`${PREFIX}${JSON.stringify({ ...f, ...(met === undefined ? {} : { met }) })}\n`);
}

export function parseFigures(stdout: string): Figure[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(PREFIX))
    .map((l) => JSON.parse(l.slice(PREFIX.length)) as Figure);
}

function meets(value: number, target: string): boolean {
  const m = /^(>=|<=)\s*([\d.]+)/.exec(target);
  if (!m) return false;
  const bound = Number(m[2]);
  return m[1] === '>=' ? value >= bound : value <= bound;
}
