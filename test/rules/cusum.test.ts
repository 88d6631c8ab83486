import { describe, expect, it } from 'vitest';
import { cusumStep, runLength, thresholdFor } from '../../rules/detectors/cusum.js';
import { Random } from '../../simulators/random.js';

/**
 * Run lengths of the Poisson CUSUM by simulation: events at `rate` per unit of time (time in
 * units where the baseline gives one event), the statistic stepped at each event.
 */
function simulatedRunLength(k: number, h: number, rate: number, runs: number, seed: number) {
  const random = new Random(seed);
  let total = 0;
  let events = 0;
  for (let run = 0; run < runs; run++) {
    let s = 0;
    for (;;) {
      const wait = -Math.log(1 - random.next()) / rate;
      total += wait;
      events++;
      s = cusumStep(s, 1, k, wait);
      if (s >= h) break;
    }
  }
  return { time: total / runs, events: events / runs };
}

describe('the Poisson CUSUM run length (time to a signal, in expected baseline events)', () => {
  it.each([
    [2, 3, 1],
    [2, 3, 2],
    [8, 5, 1],
    [8, 5, 8],
    [3, 1.5, 1],
  ])('k %d, h %d, events at %d times the baseline: as simulated', (k, h, rate) => {
    const simulated = simulatedRunLength(k, h, rate, 20_000, 19);
    const computed = runLength(k, h, rate);
    // 20,000 runs: the simulated mean is within about 1.5 % (the run length's sd is about its mean).
    expect(computed / simulated.time).toBeGreaterThan(0.96);
    expect(computed / simulated.time).toBeLessThan(1.04);
  });

  it('signals at the first event when one event reaches the threshold', () => {
    expect(runLength(2, Math.log(2), 1)).toBe(1);
    expect(runLength(2, 0.5, 4)).toBe(0.25);
  });

  it('grows with the threshold, and a rise is found far sooner than a false alarm', () => {
    expect(runLength(2, 6, 1)).toBeGreaterThan(runLength(2, 5, 1));
    expect(runLength(2, 6, 2)).toBeLessThan(runLength(2, 6, 1) / 20);
  });
});

describe('thresholdFor (the smallest threshold whose false alarms come no more often than asked)', () => {
  it.each([
    [2, 50],
    [2, 10_000],
    [8, 300],
    [1.5, 2000],
  ])('k %d, one false alarm per %d expected events', (k, events) => {
    const h = thresholdFor(k, events);
    expect(runLength(k, h, 1)).toBeGreaterThanOrEqual(events);
    expect(runLength(k, h * 0.97, 1)).toBeLessThan(events);
  });

  it('asks for at least one event, and the same answer twice is the same number', () => {
    expect(thresholdFor(2, 0.3)).toBeLessThanOrEqual(Math.log(2));
    expect(thresholdFor(2, 1234)).toBe(thresholdFor(2, 1234));
  });
});
