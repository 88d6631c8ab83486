// One elevator: its registry entry, its recent faults and door figures, and its tickets.

import { api, withQuery } from './api.js';
import { facts, fill, h, table } from './dom.js';
import { formatTime, t } from './i18n.js';
import { errorBox, ruleLabel, severityBadge, statusBadge, ticketLink } from './labels.js';
import { recentSection } from './recent.js';

/** The newest tickets are the ones worth a glance here; the queue filters the rest. */
const TICKETS_SHOWN = 20;

export function elevatorView(context, id) {
  const element = h('section', { class: 'elevator' }, h('p', {}, t('loading')));
  const recent = recentSection(context, id);

  const load = async () => {
    try {
      const [elevator, tickets] = await Promise.all([
        api(`/api/elevators/${encodeURIComponent(id)}`),
        api(withQuery('/api/tickets', { elevator: id, order: 'newest', limit: TICKETS_SHOWN })),
      ]);
      const newest = tickets.items;
      fill(
        element,
        h('p', {}, h('a', { href: '#/' }, `← ${t('ticket.back')}`)),
        h('h1', {}, t('elevator.heading', { id: elevator.id })),
        h('h2', {}, t('elevator.registry')),
        facts([
          [t('ticket.district'), elevator.district],
          [t('ticket.useUnit'), elevator.useUnit],
          [t('ticket.insurer'), elevator.insurer],
          [t('ticket.contractor'), elevator.contractor],
          [t('elevator.installedOn'), elevator.installedOn],
          [t('elevator.residentsServed'), elevator.residentsServed],
          [t('elevator.registeredAt'), formatTime(elevator.registeredAt)],
        ]),
        h('h2', {}, t('elevator.tickets')),
        table(
          [t('col.id'), t('col.severity'), t('col.status'), t('col.rule'), t('col.opened')],
          newest.map((ticket) => [
            ticketLink(ticket.id, ticket.id),
            severityBadge(ticket.severity),
            statusBadge(ticket.status),
            ruleLabel(context, ticket.rule),
            formatTime(ticket.openedAt),
          ]),
          { class: 'tickets cards' },
        ),
        recent.element,
      );
      await recent.load();
    } catch (error) {
      fill(element, errorBox(error));
    }
  };

  const onTicket = (ticket) => {
    if (ticket.elevator === id) load();
  };
  return { element, load, onTicket };
}
