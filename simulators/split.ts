/**
 * Honest tuning (issue 19): the runs the rules may be tuned on, and the runs kept apart for the
 * report. A run is a scenario family (a file in simulators/scenarios) played with one seed
 * instead of the file's own, from the quality benchmark's fixed start.
 *
 * The rule: a detector's logic, thresholds or defaults are changed only on figures of the
 * `tuning` block (`npm run bench -- quality --split tuning`). The `held-out` block's families
 * and seeds are used by nothing else: no test, no backtest, no exploration; the quality
 * benchmark prints their figures as the result. Whoever changes the rules after reading
 * held-out figures has tuned on them: move those seeds (and any family looked into) to `tuning`
 * and draw new held-out ones, saying so in docs/performance.md. Seeds once held out are not
 * drawn again (RETIRED_SEEDS).
 */
export const EVALUATION_SPLIT = {
  tuning: {
    families: [
      'ninety-days',
      'busy-residential',
      'quiet-offices',
      // These three were the held-out block until its figures were read (10f8426, seeds 7101-7104).
      'old-mixed-fleet',
      'storm-season',
      'heterogeneous-city',
      // These three were the held-out block until its figures were read (e3edfe5, seeds 8301-8304).
      'summer-heat',
      'vandalised-estates',
      'changing-use',
      // These three were the held-out block until its figures were read (dd570ad, seeds 9401-9404).
      'rainy-coast',
      'new-district',
      'two-makers',
    ],
    seeds: [1, 2, 3, 4],
  },
  'held-out': {
    families: ['winter-hills', 'metro-malls', 'care-homes'],
    seeds: [9501, 9502, 9503, 9504],
  },
} as const satisfies Record<string, { readonly families: readonly string[]; readonly seeds: readonly number[] }>;

/** Held-out seeds whose figures were read: never held out again. */
export const RETIRED_SEEDS = [7101, 7102, 7103, 7104, 8301, 8302, 8303, 8304, 9401, 9402, 9403, 9404] as const;

export type SplitBlock = keyof typeof EVALUATION_SPLIT;
export const SPLIT_BLOCKS = Object.keys(EVALUATION_SPLIT) as SplitBlock[];

export interface RunSpec {
  readonly block: SplitBlock;
  readonly family: string;
  readonly seed: number;
}

export interface RunSelection {
  /** Only the block's first this many seeds (a quicker, rougher look). */
  readonly seeds?: number | undefined;
  /** Only these of the block's families. */
  readonly families?: readonly string[] | undefined;
}

export class SplitError extends Error {
  override readonly name = 'SplitError';
}

/** The block's runs: each of its families with each of its seeds. Naming a family of another block is refused. */
export function runsOf(block: SplitBlock, selection: RunSelection = {}): RunSpec[] {
  const { families, seeds } = EVALUATION_SPLIT[block];
  const foreign = (selection.families ?? []).filter((family) => !(families as readonly string[]).includes(family));
  if (foreign.length > 0) {
    throw new SplitError(
      `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not in the ${block} block (${families.join(', ')})`,
    );
  }
  const chosen = selection.families ?? families;
  const chosenSeeds = seeds.slice(0, selection.seeds ?? seeds.length);
  return chosen.flatMap((family) => chosenSeeds.map((seed) => ({ block, family, seed })));
}
