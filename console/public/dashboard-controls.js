// The dashboards page's pickers: the dashboard, the time range (the last days up to now, or whole
// days chosen) and the dashboard's variables, with the values GET /api/dashboards/:uid offered.
// Each change goes to the address (#/lw-district?range=30d&var-district=渝中区).

import { h } from './dom.js';
import { t } from './i18n.js';

const RANGE_DAYS = { '1d': 1, '7d': 7, '30d': 30, '90d': 90 };
const DEFAULT_RANGE = '7d';
const CUSTOM = 'custom';
const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET = '+08:00';
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** A variable's "All", as the API and Grafana's addresses write it. */
const ALL = '$__all';
export const VARIABLE_PREFIX = 'var-';

const shanghaiDay = (ms) => new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
const dayStart = (day) => Date.parse(`${day}T00:00:00${SHANGHAI_OFFSET}`);

/** The range the address asks for, as the API takes it: whole Shanghai days, or the last days up to now. */
export function rangeOf(params, now = Date.now()) {
  const [from, to] = [params.get('from'), params.get('to')];
  if (from && to)
    return { from: new Date(dayStart(from)).toISOString(), to: new Date(dayStart(to) + DAY_MS).toISOString() };
  const days = RANGE_DAYS[params.get('range')] ?? RANGE_DAYS[DEFAULT_RANGE];
  return { from: new Date(now - days * DAY_MS).toISOString(), to: new Date(now).toISOString() };
}

const picker = (label, control) => h('label', {}, label, control);

function rangePickers(params) {
  const custom = params.has('from');
  const chosen = custom ? CUSTOM : (params.get('range') ?? DEFAULT_RANGE);
  const range = h(
    'select',
    { id: 'range', name: 'range' },
    [...Object.keys(RANGE_DAYS), CUSTOM].map((value) =>
      h('option', { value, selected: value === chosen }, t(`dash.range.${value}`)),
    ),
  );
  const day = (name) => h('input', { id: name, name, type: 'date', required: true, value: params.get(name) ?? '' });
  return [
    picker(t('dash.range'), range),
    custom ? [picker(t('dash.from'), day('from')), picker(t('dash.to'), day('to'))] : null,
  ];
}

function variablePicker(variable) {
  const options = [
    variable.includeAll ? h('option', { value: ALL, selected: variable.all }, t('filter.all')) : null,
    variable.options.map((value) => h('option', { value, selected: variable.selected.includes(value) }, value)),
  ];
  return picker(variable.label, h('select', { name: `${VARIABLE_PREFIX}${variable.name}` }, options));
}

/** The address the form's choices make: a new dashboard starts from its own variables' defaults. */
function addressOf(form, uid) {
  const chosen = form.elements.dashboard.value;
  const params = new URLSearchParams();
  const range = form.elements.range.value;
  if (range === CUSTOM) {
    const today = shanghaiDay(Date.now());
    params.set('from', form.elements.from?.value || shanghaiDay(Date.now() - RANGE_DAYS[DEFAULT_RANGE] * DAY_MS));
    params.set('to', form.elements.to?.value || today);
  } else params.set('range', range);
  if (chosen === uid) {
    for (const select of form.querySelectorAll(`select[name^="${VARIABLE_PREFIX}"]`))
      params.set(select.name, select.value);
  }
  return `#/${encodeURIComponent(chosen)}?${params}`;
}

/** `variables`: the shown dashboard's, once its answer came (none before). */
export function controls({ dashboards, uid, params, variables }) {
  const form = h(
    'form',
    {
      class: 'filters dash-controls',
      onchange: (event) => {
        location.hash = addressOf(event.currentTarget, uid);
      },
      onsubmit: (event) => event.preventDefault(),
    },
    picker(
      t('dash.dashboard'),
      h(
        'select',
        { id: 'dashboard', name: 'dashboard' },
        dashboards.map((dashboard) =>
          h(
            'option',
            { value: dashboard.uid, selected: dashboard.uid === uid, title: dashboard.description },
            dashboard.title,
          ),
        ),
      ),
    ),
    rangePickers(params),
    variables.map(variablePicker),
  );
  return form;
}
