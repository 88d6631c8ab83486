/**
 * The Poisson CUSUM for a rise in an event rate by a factor k, in event time:
 *
 *   S <- max(0, S - (k - 1) * expected) + n * ln k
 *
 * where `expected` is the events the baseline expects over the exposure since the last step
 * and n the events seen. A signal when S >= h. Measured in expected baseline events (exposure
 * scaled by the baseline rate), an in-control elevator is a unit-rate Poisson process, so how
 * often a healthy elevator signals depends only on (k, h): a threshold is chosen for a stated
 * false-alarm rate, whatever the elevator's own rate.
 */

/** Grid points per jump (ln k) in the run-length computation: its error is well under 1 %. */
const GRID_PER_JUMP = 200;
/** Threshold searches stop at this many halvings: far below any rounding that matters. */
const SEARCH_STEPS = 50;
/** Asked-for run lengths are rounded up to 2^(1/16) steps (4.4 %) so that thresholds can be kept. */
const TARGET_STEPS_PER_DOUBLING = 16;

/** One step of the statistic: the decrease for the expected events, then the events seen. */
export function cusumStep(statistic: number, events: number, k: number, expected: number): number {
  return Math.max(0, statistic - (k - 1) * expected) + events * Math.log(k);
}

/**
 * Expected time (in expected baseline events) from S = 0 to a signal, with events arriving at
 * `rate` times the baseline (1: a healthy elevator; k: the rise the chart is built for).
 *
 * L(s), the expected time from s, solves (k - 1) L'(s) = 1 + rate (L(s + ln k) - L(s)) on
 * (0, h), with L = 0 from h on and L(0) = 1 / rate + L(ln k) (at 0 the statistic waits for an
 * event). L is affine in its unknown value just below h: two solutions integrated down from h
 * (trapezoid rule on a grid of ln k / GRID_PER_JUMP) and the condition at 0 give it.
 */
export function runLength(k: number, h: number, rate: number): number {
  const jump = Math.log(k);
  if (h <= jump) return 1 / rate;
  const drift = k - 1;
  const step = jump / GRID_PER_JUMP;
  const points = Math.ceil(h / step) + 1;
  const particular = new Float64Array(points + 1);
  const homogeneous = new Float64Array(points + 1);
  homogeneous[0] = 1;
  const half = (rate * step) / (2 * drift);
  const delayed = (values: Float64Array, i: number, start: boolean) => {
    // The value one jump up; from h on, 0. At the step starting h - ln k it is the value just below h.
    const j = i - GRID_PER_JUMP;
    return j >= (start ? 0 : 1) ? (values[j] as number) : 0;
  };
  for (let i = 0; i < points; i++) {
    for (const [values, source] of [
      [particular, 1],
      [homogeneous, 0],
    ] as const) {
      const now = values[i] as number;
      const delay = delayed(values, i, true) + delayed(values, i + 1, false);
      values[i + 1] = (now * (1 + half) - (step / (2 * drift)) * (2 * source + rate * delay)) / (1 - half);
    }
  }
  const at = (values: Float64Array, s: number) => {
    const position = (h - s) / step;
    const below = Math.min(Math.floor(position), points - 1);
    const fraction = position - below;
    return (values[below] as number) * (1 - fraction) + (values[below + 1] as number) * fraction;
  };
  const belowH = (1 / rate + at(particular, jump) - at(particular, 0)) / (at(homogeneous, 0) - at(homogeneous, jump));
  return at(particular, 0) + belowH * at(homogeneous, 0);
}

const thresholds = new Map<number, Map<number, number>>();

/**
 * The smallest threshold h at which a healthy elevator's chart signals no more often than once
 * per `events` expected events (rounded up by at most 4.4 %, so thresholds are computed once
 * per rate and kept). At most one event is asked: a threshold of ln k signals on every event.
 */
export function thresholdFor(k: number, events: number): number {
  const jump = Math.log(k);
  if (events <= 1) return jump;
  const index = Math.ceil(Math.log2(events) * TARGET_STEPS_PER_DOUBLING);
  let kept = thresholds.get(k);
  if (!kept) thresholds.set(k, (kept = new Map()));
  const known = kept.get(index);
  if (known !== undefined) return known;
  const target = 2 ** (index / TARGET_STEPS_PER_DOUBLING);
  let low = jump;
  let high = 2 * jump;
  while (runLength(k, high, 1) < target) high *= 2;
  for (let i = 0; i < SEARCH_STEPS; i++) {
    const middle = (low + high) / 2;
    if (runLength(k, middle, 1) < target) low = middle;
    else high = middle;
  }
  kept.set(index, high);
  return high;
}
