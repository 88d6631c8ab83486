// An elevator's recent faults and daily door figures (GET /api/elevators/:id/recent), shown on
// the ticket page and the elevator page.

import { api, withQuery } from './api.js';
import { fill, h, table } from './dom.js';
import { formatTime, t } from './i18n.js';
import { errorBox, faultName, severityBadge } from './labels.js';

const RECENT_DAYS = 7;
const MS_PER_SECOND = 1000;
const CLOSE_TIME_DECIMALS = 1;
const PERCENT = 100;

const seconds = (ms) =>
  ms === null ? '–' : t('unit.seconds', { n: (ms / MS_PER_SECOND).toFixed(CLOSE_TIME_DECIMALS) });

/** A bar as wide as `value` is of `max`, beside the number, so a busy or slow day stands out. */
function bar(value, max, text) {
  const fill = h('span', { class: 'fill' });
  // Through CSSOM: the page's CSP refuses inline style attributes.
  fill.style.width = `${max > 0 ? (value / max) * PERCENT : 0}%`;
  return h('span', { class: 'meter' }, fill, h('span', {}, text));
}

export function recentSection(context, elevator) {
  const element = h('section', { class: 'recent', dataset: { elevator } }, h('p', {}, t('loading')));
  const load = async () => {
    try {
      const recent = await api(
        withQuery(`/api/elevators/${encodeURIComponent(elevator)}/recent`, { days: RECENT_DAYS }),
      );
      const maxCycles = Math.max(0, ...recent.doors.map((day) => day.cycles));
      const maxClose = Math.max(0, ...recent.doors.map((day) => day.meanCloseMs ?? 0));
      fill(
        element,
        h('h2', {}, t('recent.faults', { days: RECENT_DAYS })),
        recent.faults.length === 0
          ? h('p', { class: 'none' }, t('recent.noFaults'))
          : table(
              [t('col.at'), t('col.fault'), t('col.floor'), t('col.severity')],
              recent.faults.map((fault) => [
                formatTime(fault.at),
                faultName(context, fault.code),
                fault.floor,
                severityBadge(fault.severity),
              ]),
              { class: 'faults cards' },
            ),
        h('h2', {}, t('recent.doors')),
        h(
          'div',
          { class: 'scroll' },
          table(
            [t('door.day'), t('door.cycles'), t('door.meanClose'), t('door.reopens'), t('door.obstructed')],
            recent.doors.map((day) => [
              day.day,
              bar(day.cycles, maxCycles, day.cycles),
              bar(day.meanCloseMs ?? 0, maxClose, seconds(day.meanCloseMs)),
              day.reopens,
              day.obstructed,
            ]),
            { class: 'doors' },
          ),
        ),
      );
    } catch (error) {
      fill(element, errorBox(error));
    }
  };
  return { element, load };
}
