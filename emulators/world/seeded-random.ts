/**
 * Deterministic randomness for the sample world. sfc32 is small, fast and passes PractRand for
 * far more draws than a 1M-lead world needs; each generation phase gets its own named stream so
 * that, for example, adding a campaign does not reshuffle every person.
 */

/** FNV-1a over the label, so stream names become independent 32-bit salts. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: spreads a weak seed (0, 1, 2 ...) into well-mixed state words. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` may be any safe integer; `stream` names an independent sequence for the same seed. */
  constructor(seed: number, stream = '') {
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
    let s = splitmix32(low ^ hashLabel(stream));
    s = splitmix32(s ^ high);
    this.a = s;
    s = splitmix32(s);
    this.b = s;
    s = splitmix32(s);
    this.c = s;
    s = splitmix32(s);
    this.d = s;
    // Warm-up: the first sfc32 outputs still correlate with the seed words.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('SeededRandom.pick: empty list');
    return item;
  }

  /** Standard normal (Box-Muller); one value per call keeps the sequence easy to reason about. */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Log-uniform in [min, max]: as many values per decade, the shape of company sizes. */
  logUniform(min: number, max: number): number {
    return Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min)));
  }
}

/** A fixed weighted table, built once and sampled by binary search over cumulative weights. */
export class WeightedChoice<T> {
  private readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    if (entries.length === 0) throw new Error('WeightedChoice: no entries');
    this.items = entries.map(([item]) => item);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, weight], i) => {
      if (!(weight >= 0)) throw new Error(`WeightedChoice: weight ${weight} at ${i} is not >= 0`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new Error('WeightedChoice: weights sum to 0');
    this.total = sum;
  }

  pick(random: SeededRandom): T {
    const target = random.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}

/** Weighted sampling without replacement (Efraimidis-Spirakis): indexes of `count` picks. */
export function pickWeightedIndexes(
  random: SeededRandom,
  weights: ArrayLike<number>,
  count: number,
  eligible: (index: number) => boolean = () => true,
): number[] {
  const keyed: Array<{ index: number; key: number }> = [];
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    // Draw for every index (eligible or not) so eligibility rules do not shift later draws.
    const u = 1 - random.next();
    if (w > 0 && eligible(i)) keyed.push({ index: i, key: -Math.log(u) / w });
  }
  keyed.sort((x, y) => x.key - y.key || x.index - y.index);
  return keyed.slice(0, count).map((k) => k.index);
}
