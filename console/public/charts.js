// Small hand-drawn charts for the dashboards: lines or stacked bars over time, and state
// timelines, in SVG. The plot stretches to its box (preserveAspectRatio none, strokes that do not
// scale), while its axis labels and legend are HTML, so text never stretches with it.

import { h } from './dom.js';
import { formatTick, formatValue, paletteColor } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The plot's own coordinates; the box it is drawn in sets its real size. */
const WIDTH = 1000;
const HEIGHT = 300;
const X_TICKS = 5;
const Y_TICKS = 4;
/** A bar's share of its time slot: the rest is the gap to the next. */
const BAR_SHARE = 0.8;
const DAY_MS = 86_400_000;
/** A marked moment's rule, and its swatch. */
const MARK_COLOR = '#c62828';

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children.flat());
  return element;
}

const plot = (...children) =>
  svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', class: 'plot' }, ...children);

const xOf = (time, from, to) => ((time - from) / (to - from)) * WIDTH;

function legend(entries) {
  return h(
    'ul',
    { class: 'legend' },
    entries.map(({ name, color }) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = color;
      return h('li', {}, swatch, name);
    }),
  );
}

function timeAxis(from, to) {
  const ticks = Array.from({ length: X_TICKS }, (_, index) => from + ((to - from) * index) / (X_TICKS - 1));
  return h(
    'div',
    { class: 'x-axis' },
    ticks.map((tick) => h('span', {}, formatTick(tick, to - from))),
  );
}

/** The value range a chart shows: from zero (or below, for negatives) to the largest value. */
function valueRange(values) {
  const min = Math.min(0, ...values);
  const max = Math.max(...values);
  return { min, max: max > min ? max : min + 1 };
}

function valueAxis({ min, max }, config) {
  const ticks = Array.from({ length: Y_TICKS }, (_, index) => max - ((max - min) * index) / (Y_TICKS - 1));
  const lines = ticks.map((tick) => {
    const y = HEIGHT - ((tick - min) / (max - min)) * HEIGHT;
    return svg('line', { x1: 0, x2: WIDTH, y1: y, y2: y, class: 'grid-line', 'vector-effect': 'non-scaling-stroke' });
  });
  const labels = h(
    'div',
    { class: 'y-axis' },
    ticks.map((tick) => h('span', {}, formatValue(tick, { ...config, mappings: undefined }))),
  );
  return { lines, labels };
}

function linePath(points, from, to, range) {
  let drawing = false;
  let path = '';
  for (const [time, value] of points) {
    if (value === null) {
      drawing = false;
      continue;
    }
    const x = xOf(time, from, to);
    const y = HEIGHT - ((value - range.min) / (range.max - range.min)) * HEIGHT;
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    drawing = true;
  }
  return path;
}

/** A dot for each point with no neighbour to join (a line needs two): a lone value still shows. */
function lonePoints(points, from, to, range) {
  const present = (index) => points[index] !== undefined && points[index][1] !== null;
  return points
    .filter((_, index) => present(index) && !present(index - 1) && !present(index + 1))
    .map(([time, value]) => {
      const y = HEIGHT - ((value - range.min) / (range.max - range.min)) * HEIGHT;
      return `M${xOf(time, from, to).toFixed(1)},${y.toFixed(1)}l0,0`;
    })
    .join('');
}

/** Bars stacked per time slot, each series on those below it. */
function stackedBars(series, from, to) {
  const times = [...new Set(series.flatMap(({ points }) => points.map(([time]) => time)))].sort((a, b) => a - b);
  const totals = new Map(times.map((time) => [time, 0]));
  for (const { points } of series)
    for (const [time, value] of points) totals.set(time, totals.get(time) + (value ?? 0));
  const range = valueRange([...totals.values()]);
  const slot = times.length > 1 ? ((times[1] - times[0]) / (to - from)) * WIDTH : WIDTH / 2;
  const base = new Map(times.map((time) => [time, 0]));
  const rects = series.flatMap(({ points, color }) =>
    points
      .filter(([, value]) => value)
      .map(([time, value]) => {
        const below = base.get(time);
        base.set(time, below + value);
        const top = HEIGHT - ((below + value - range.min) / (range.max - range.min)) * HEIGHT;
        const height = (value / (range.max - range.min)) * HEIGHT;
        const width = slot * BAR_SHARE;
        return svg('rect', { x: xOf(time, from, to) - width / 2, y: top, width, height, fill: color });
      }),
  );
  return { range, shapes: rects };
}

/**
 * Series over [from, to]: `series` is [{ name, points: [[time, value|null]] }]; `config` the
 * first series' field config (its unit labels the value axis).
 */
export function timeChart({ series, from, to, stacked, config }) {
  const colored = series.map((one, index) => ({ ...one, color: paletteColor(index) }));
  let range;
  let shapes;
  if (stacked) ({ range, shapes } = stackedBars(colored, from, to));
  else {
    range = valueRange(colored.flatMap(({ points }) => points.map(([, value]) => value).filter((v) => v !== null)));
    shapes = colored.flatMap(({ points, color }) =>
      [
        { d: linePath(points, from, to, range), class: 'series' },
        { d: lonePoints(points, from, to, range), class: 'dots' },
      ].map((shape) => svg('path', { ...shape, stroke: color, 'vector-effect': 'non-scaling-stroke' })),
    );
  }
  const axis = valueAxis(range, config);
  return h('div', { class: 'chart' }, axis.labels, plot(axis.lines, shapes), timeAxis(from, to), legend(colored));
}

/** Each series as bands of its successive states (a value held until the next), coloured by state. */
export function stateTimeline({ series, from, to, config }) {
  const states = [...new Set(series.flatMap(({ points }) => points.map(([, value]) => value)))]
    .filter((value) => value !== null)
    .sort((a, b) => a - b);
  const colorOf = (value) => paletteColor(states.indexOf(value));
  const rows = series.map(({ name, points }) => {
    const bands = points
      .map(([time, value], index) => ({ time, value, until: points[index + 1]?.[0] ?? to }))
      .filter(({ value }) => value !== null)
      .map(({ time, value, until }) =>
        svg('rect', {
          x: xOf(time, from, to),
          y: 0,
          width: Math.max(0, xOf(until, from, to) - xOf(time, from, to)),
          height: HEIGHT,
          fill: colorOf(value),
        }),
      );
    return [h('span', { class: 'state-name' }, name), plot(bands)];
  });
  return h(
    'div',
    { class: 'timeline' },
    rows,
    timeAxis(from, to),
    legend(states.map((value) => ({ name: formatValue(value, config), color: colorOf(value) }))),
  );
}

/**
 * Counts a day as stacked bars (`bars`: [{ name, values, color }], a value per day) against a
 * line (`line`: { name, values, color }, null where unknown), over the days starting at `times`.
 * Days with `shaded` true get a band behind them, `marks` ([{ time, name }]) a rule at their time.
 * `label` says in words what the chart shows, for screen readers.
 */
export function barsAgainstLine({ times, bars, line, shaded, shade, marks, label }) {
  const slot = times.length > 1 ? times[1] - times[0] : DAY_MS;
  const from = times[0];
  const to = times.at(-1) + slot;
  const totals = times.map((_, index) => bars.reduce((sum, { values }) => sum + (values[index] ?? 0), 0));
  // Counts are whole: the value axis steps by whole numbers.
  const steps = Y_TICKS - 1;
  const top = valueRange([...totals, ...line.values.filter((value) => value !== null)]).max;
  const range = { min: 0, max: Math.max(steps, Math.ceil(top / steps) * steps) };
  const yOf = (value) => HEIGHT - ((value - range.min) / (range.max - range.min)) * HEIGHT;
  const width = (slot / (to - from)) * WIDTH;
  const bands = times
    .filter((_, index) => shaded[index])
    .map((time) => svg('rect', { x: xOf(time, from, to), y: 0, width, height: HEIGHT, fill: shade.color }));
  const below = times.map(() => 0);
  const rects = bars.flatMap(({ values, color }) =>
    times
      .map((time, index) => ({ time, index, value: values[index] ?? 0 }))
      .filter(({ value }) => value > 0)
      .map(({ time, index, value }) => {
        const base = below[index];
        below[index] = base + value;
        return svg('rect', {
          x: xOf(time, from, to) + (width * (1 - BAR_SHARE)) / 2,
          y: yOf(base + value),
          width: width * BAR_SHARE,
          height: yOf(base) - yOf(base + value),
          fill: color,
        });
      }),
  );
  const points = times.map((time, index) => [time + slot / 2, line.values[index]]);
  const usual = [
    { d: linePath(points, from, to, range), class: 'series' },
    { d: lonePoints(points, from, to, range), class: 'dots' },
  ].map((shape) => svg('path', { ...shape, stroke: line.color, 'vector-effect': 'non-scaling-stroke' }));
  const rules = marks.map(({ time }) => {
    const x = xOf(time, from, to);
    const at = { x1: x, x2: x, y1: 0, y2: HEIGHT, stroke: MARK_COLOR, class: 'mark' };
    return svg('line', { ...at, 'vector-effect': 'non-scaling-stroke' });
  });
  const axis = valueAxis(range, {});
  return h(
    'div',
    { class: 'chart', role: 'img', 'aria-label': label },
    axis.labels,
    plot(bands, axis.lines, rects, usual, rules),
    // Labelled from the first day to the last (the plot runs on to the last day's end).
    timeAxis(from, times.at(-1)),
    legend([
      ...bars,
      line,
      ...(shaded.some(Boolean) ? [shade] : []),
      ...marks.map(({ name }) => ({ name, color: MARK_COLOR })),
    ]),
  );
}
