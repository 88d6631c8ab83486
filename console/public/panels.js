// A dashboard as GET /api/dashboards/:uid gives it, drawn: rows as headings, then each panel by
// its Grafana type (stat as big numbers, time series as lines or stacked bars, bar gauge as bars,
// table as a table, state timeline as bands) on Grafana's 24-column grid.

import { h, table } from './dom.js';
import { t } from './i18n.js';
import { stateTimeline, timeChart } from './charts.js';
import { cssColor, formatInstant, formatValue, thresholdColor } from './format.js';

const TIME = 'Time';
const PERCENT = 100;

const valueFields = (frame) => frame.fields.filter((field) => field.name !== TIME);
const hasData = (panel) =>
  panel.frames.some((frame) => valueFields(frame).some((field) => field.values.some((value) => value !== null)));

/** Each value field of each frame as a series of [time, value] points. */
function seriesOf(panel) {
  return panel.frames.flatMap((frame) => {
    const time = frame.fields.find((field) => field.name === TIME);
    return valueFields(frame).map((field) => ({
      name: field.displayName,
      config: field.config,
      points: field.values.map((value, index) => [time?.values[index], value]),
    }));
  });
}

const colorOf = (field, value) =>
  field.config.color ? cssColor(field.config.color) : thresholdColor(value, field.config.thresholds);

function stat(panel) {
  const fields = panel.frames.flatMap(valueFields);
  return h(
    'div',
    { class: 'stat' },
    fields.map((field) => {
      const value = field.values[0] ?? null;
      const number = h('span', { class: 'big' }, formatValue(value, field.config));
      const color = colorOf(field, value);
      if (color) number.style.color = color;
      return h('div', {}, number, fields.length > 1 ? h('span', { class: 'stat-name' }, field.displayName) : null);
    }),
  );
}

function barGauge(panel) {
  const fields = panel.frames.flatMap(valueFields);
  const max = Math.max(0, ...fields.map((field) => field.values[0] ?? 0));
  return h(
    'div',
    { class: 'bars' },
    fields.map((field) => {
      const value = field.values[0] ?? null;
      const fill = h('span', { class: 'fill' });
      fill.style.width = `${max > 0 ? ((value ?? 0) / max) * PERCENT : 0}%`;
      fill.style.background = colorOf(field, value) ?? cssColor('green');
      return h(
        'div',
        { class: 'bar' },
        h('span', { class: 'bar-name' }, field.displayName),
        h('span', { class: 'meter' }, fill),
        h('span', { class: 'bar-value' }, formatValue(value, field.config)),
      );
    }),
  );
}

function tablePanel(panel, context) {
  const [frame] = panel.frames;
  const rows = frame.fields[0]?.values.map((_, index) =>
    frame.fields.map((field) => {
      const value = field.values[index];
      if (field.name === TIME) return value === null ? '–' : formatInstant(value);
      const text = formatValue(value, field.config);
      const href = field.config.link && value !== null ? context.linkTo?.(field.config.link, String(value)) : null;
      return href ? h('a', { href }, text) : text;
    }),
  );
  return h(
    'div',
    { class: 'scroll' },
    table(
      frame.fields.map((field) => field.displayName),
      rows ?? [],
    ),
  );
}

function body(panel, range, context) {
  switch (panel.type) {
    case 'stat':
      return stat(panel);
    case 'bargauge':
      return barGauge(panel);
    case 'table':
      return tablePanel(panel, context);
    case 'state-timeline':
      return stateTimeline({ ...range, series: seriesOf(panel), config: seriesOf(panel)[0]?.config });
    default: {
      const series = seriesOf(panel);
      return timeChart({ ...range, series, stacked: panel.stackedBars, config: series[0]?.config ?? {} });
    }
  }
}

function panelElement(panel, range, context) {
  const state = panel.error ? 'error' : hasData(panel) ? 'data' : 'empty';
  const element = h(
    'section',
    { class: `dash-panel panel-${panel.type}`, dataset: { panelId: panel.id, type: panel.type, state } },
    h('h3', { title: panel.description }, panel.title),
    state === 'error'
      ? h('p', { class: 'error panel-error', role: 'alert' }, t('dash.panelError', { message: panel.error }))
      : state === 'empty'
        ? h('p', { class: 'none no-data' }, t('dash.noData'))
        : body(panel, range, context),
  );
  // Through CSSOM (the page's CSP refuses style attributes): the stylesheet reads the grid place.
  element.style.setProperty('--w', panel.gridPos.w);
  element.style.setProperty('--h', panel.gridPos.h);
  return element;
}

/**
 * The dashboard's panels in Grafana's order and widths. `context.linkTo(link, value)` gives the
 * address a drill-down link leads to (or nothing, where there is none to go to).
 */
export function renderDashboard(preview, context = {}) {
  const range = { from: Date.parse(preview.from), to: Date.parse(preview.to) };
  const panels = [...preview.panels].sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
  return h(
    'div',
    { class: 'dash-grid', dataset: { uid: preview.uid } },
    panels.map((panel) =>
      panel.type === 'row' ? h('h2', { class: 'dash-row' }, panel.title) : panelElement(panel, range, context),
    ),
  );
}
