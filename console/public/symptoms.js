// An elevator's symptoms day by day against its usual (GET /api/elevators/:id/symptoms), on the
// ticket page: a detector's ticket shows its own family, any other ticket the families with events.

import { api, withQuery } from './api.js';
import { barsAgainstLine } from './charts.js';
import { fill, h, table } from './dom.js';
import { language, t } from './i18n.js';
import { errorBox } from './labels.js';

const SYMPTOM_DAYS = 60;
const DAY_MS = 86_400_000;
const COLORS = { counted: '#1f78c1', setAside: '#9aa3b2', usual: '#ef843c', partDay: 'rgba(154, 163, 178, 0.25)' };
/** The usual rate as the ticket's evidence writes it: two significant digits. */
const USUAL_DIGITS = 2;
const PERCENT = 100;

const sum = (values) => values.reduce((total, value) => total + value, 0);
const usualText = (value) =>
  value === null || value === undefined
    ? '–'
    : new Intl.NumberFormat(language(), { maximumSignificantDigits: USUAL_DIGITS }).format(value);

function familyChart(symptoms, series, openedAt) {
  const from = Date.parse(symptoms.from);
  const times = symptoms.days.map((_, index) => from + index * DAY_MS);
  const name = t(`family.${series.family}`);
  const usualNow = series.usualPerDay.at(-1);
  const summary = t('symptoms.summary', {
    family: name,
    count: sum(series.counted),
    setAside: sum(series.setAside),
    days: symptoms.days.length,
    usual: usualText(usualNow),
  });
  const opened = Date.parse(openedAt);
  const marks = opened >= from ? [{ time: opened, name: t('symptoms.opened') }] : [];
  return h(
    'figure',
    { class: 'symptom', dataset: { family: series.family } },
    h('figcaption', {}, h('strong', {}, name), ' · ', summary),
    barsAgainstLine({
      times,
      bars: [
        { name: t('symptoms.counted'), values: series.counted, color: COLORS.counted },
        { name: t('symptoms.setAside'), values: series.setAside, color: COLORS.setAside },
      ],
      line: { name: t('symptoms.usual'), values: series.usualPerDay, color: COLORS.usual },
      shaded: symptoms.days.map((day) => day.countedShare < 1),
      shade: { name: t('symptoms.partDay'), color: COLORS.partDay },
      marks,
      label: summary,
    }),
    h(
      'details',
      {},
      h('summary', {}, t('symptoms.table')),
      table(
        [t('door.day'), t('symptoms.counted'), t('symptoms.setAside'), t('symptoms.usual'), t('symptoms.countedShare')],
        symptoms.days.map((day, index) => [
          day.day,
          series.counted[index],
          series.setAside[index],
          usualText(series.usualPerDay[index]),
          `${Math.round(day.countedShare * PERCENT)}%`,
        ]),
        { class: 'symptom-days cards' },
      ),
    ),
  );
}

/** The ticket's family for a detector's warning; else every family that had events. */
function shownFamilies(symptoms, ticket) {
  const own = ticket.evidence?.family;
  if (own) return symptoms.families.filter((series) => series.family === own);
  return symptoms.families.filter((series) => sum(series.counted) + sum(series.setAside) > 0);
}

export function symptomsSection(ticket) {
  const element = h('section', { class: 'symptoms' }, h('p', {}, t('loading')));
  const load = async () => {
    try {
      const symptoms = await api(
        withQuery(`/api/elevators/${encodeURIComponent(ticket.elevator)}/symptoms`, { days: SYMPTOM_DAYS }),
      );
      const shown = shownFamilies(symptoms, ticket);
      fill(
        element,
        h('h2', {}, t('symptoms.heading', { days: SYMPTOM_DAYS })),
        h('p', { class: 'note' }, t('symptoms.note')),
        shown.length === 0
          ? h('p', { class: 'none' }, t('symptoms.none', { days: SYMPTOM_DAYS }))
          : shown.map((series) => familyChart(symptoms, series, ticket.openedAt)),
      );
    } catch (error) {
      fill(element, errorBox(error));
    }
  };
  return { element, load };
}
