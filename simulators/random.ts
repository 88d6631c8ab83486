/** A small seeded generator (mulberry32): the same seed gives the same traffic. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** An independent generator for one member of a run (an elevator), from the run's seed. */
  static for(seed: number, member: number, stream = 0): Random {
    let h =
      Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(member + 1, 0xc2b2ae35) ^ Math.imul(stream + 1, 0x27d4eb2f);
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    return new Random(h ^ (h >>> 13));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  /** An item drawn with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weightOf: (item: T) => number): T {
    const total = items.reduce((sum, item) => sum + weightOf(item), 0);
    let u = this.next() * total;
    for (const item of items) {
      u -= weightOf(item);
      if (u < 0) return item;
    }
    return items.at(-1) as T;
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  /** A gamma draw with this shape and mean `shape` (Marsaglia and Tsang; a shape below 1 boosted). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * (1 - this.next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      if (Math.log(1 - this.next()) < x * x * 0.5 + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** A factor of mean 1 that varies by the coefficient of variation `cv` (gamma distributed; 0: always 1). */
  factor(cv: number): number {
    if (cv <= 0) return 1;
    const shape = 1 / (cv * cv);
    return this.gamma(shape) / shape;
  }

  /** A factor whose logarithm is normal with standard deviation `sigma`, and median 1. */
  logNormal(sigma: number): number {
    return Math.exp(sigma * this.normal());
  }

  /** A Poisson count with mean `mean` (Knuth's method: the means here are small). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }
}
