import { describe, expect, it } from 'vitest';
import { shippedScenarios } from '../../simulators/scenario.js';
import { EVALUATION_SPLIT, RETIRED_SEEDS, runsOf, SplitError } from '../../simulators/split.js';

const { tuning, 'held-out': heldOut } = EVALUATION_SPLIT;

describe('the tuning / held-out split', () => {
  it('keeps its blocks apart: no family and no seed in both', () => {
    expect(tuning.families.filter((family) => (heldOut.families as readonly string[]).includes(family))).toEqual([]);
    expect(tuning.seeds.filter((seed) => (heldOut.seeds as readonly number[]).includes(seed))).toEqual([]);
  });

  it('never holds out again a seed whose held-out figures were read', () => {
    expect(heldOut.seeds.filter((seed) => (RETIRED_SEEDS as readonly number[]).includes(seed))).toEqual([]);
  });

  it('has moved each block whose held-out figures were read to tuning, and retired its seeds', () => {
    for (const family of [
      'old-mixed-fleet',
      'storm-season',
      'heterogeneous-city',
      'summer-heat',
      'vandalised-estates',
      'changing-use',
      'rainy-coast',
      'new-district',
      'two-makers',
    ]) {
      expect(tuning.families).toContain(family);
    }
    expect(RETIRED_SEEDS).toEqual(
      expect.arrayContaining([7101, 7102, 7103, 7104, 8301, 8302, 8303, 8304, 9401, 9402, 9403, 9404]),
    );
    expect(heldOut.families).toEqual(['winter-hills', 'metro-malls', 'care-homes']);
    expect(heldOut.seeds.filter((seed) => (tuning.seeds as readonly number[]).includes(seed))).toEqual([]);
  });

  it('names only shipped scenario families', () => {
    expect(shippedScenarios()).toEqual(expect.arrayContaining([...tuning.families, ...heldOut.families]));
  });

  it('runs each family of a block with each of its seeds, or the first few', () => {
    expect(runsOf('held-out')).toHaveLength(heldOut.families.length * heldOut.seeds.length);
    expect(runsOf('tuning', { seeds: 1, families: ['ninety-days'] })).toEqual([
      { block: 'tuning', family: 'ninety-days', seed: tuning.seeds[0] },
    ]);
  });

  it('refuses to run a held-out family as tuning', () => {
    expect(() => runsOf('tuning', { families: [heldOut.families[0]] })).toThrow(SplitError);
    expect(() => runsOf('tuning', { families: [heldOut.families[0]] })).toThrow(/not in the tuning block/);
  });
});
