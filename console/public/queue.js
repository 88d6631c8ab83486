// The ticket queue: filters kept in the address (#/?severity=critical&status=open), newest first,
// kept current by the live feed: a new ticket appears on top, a changed one is redrawn in place.

import { api, withQuery } from './api.js';
import { h } from './dom.js';
import { formatTime, t } from './i18n.js';
import { elevatorLink, errorBox, ruleLabel, severityBadge, statusBadge, ticketLink } from './labels.js';

const PAGE_SIZE = 500;
/** Beyond this a queue is no longer read row by row: the filters narrow it. */
const MAX_TICKETS = 2000;
const FILTERS = ['severity', 'status', 'rule', 'district'];
const SEVERITIES = ['critical', 'major', 'minor', 'info'];
const STATUSES = ['open', 'acknowledged', 'dispatched', 'on_site', 'resolved', 'false_alarm'];
const COLUMNS = [
  'col.id',
  'col.severity',
  'col.status',
  'col.rule',
  'col.title',
  'col.elevator',
  'col.district',
  'col.opened',
  'col.count',
];
/** How long a row that just changed stays highlighted. */
const FLASH_MS = 2000;

const newestFirst = (a, b) => Number(b.id) - Number(a.id);

/** Newest first, a page at a time, up to MAX_TICKETS. */
async function loadTickets(filters) {
  const tickets = [];
  let after;
  do {
    const page = await api(withQuery('/api/tickets', { ...filters, order: 'newest', limit: PAGE_SIZE, after }));
    tickets.push(...page.items);
    after = page.next ?? undefined;
  } while (after !== undefined && tickets.length < MAX_TICKETS);
  return { tickets, capped: after !== undefined };
}

function filterForm(context, filters, districts) {
  const choose = (name, values, label) =>
    h(
      'label',
      {},
      t(`filter.${name}`),
      h(
        'select',
        { name, dataset: { filter: name } },
        h('option', { value: '' }, t('filter.all')),
        values.map((value) => h('option', { value, selected: filters[name] === value }, label(value))),
      ),
    );
  const go = (form) => {
    const chosen = Object.fromEntries(FILTERS.map((name) => [name, form.elements[name].value.trim()]));
    location.hash = withQuery('#/', chosen);
  };
  return h(
    'form',
    {
      class: 'filters',
      onchange: (event) => go(event.currentTarget),
      onsubmit: (event) => {
        event.preventDefault();
        go(event.currentTarget);
      },
    },
    choose('severity', SEVERITIES, (value) => t(`severity.${value}`)),
    choose('status', STATUSES, (value) => t(`status.${value}`)),
    choose('rule', [...context.rules.keys()], (value) => ruleLabel(context, value).textContent),
    h(
      'label',
      {},
      t('filter.district'),
      h('input', { name: 'district', list: 'districts', value: filters.district, dataset: { filter: 'district' } }),
      h(
        'datalist',
        { id: 'districts' },
        [...districts].sort().map((district) => h('option', { value: district })),
      ),
    ),
    h('a', { href: '#/', class: 'clear' }, t('filter.clear')),
  );
}

function ticketRow(context, ticket) {
  const cells = [
    ticketLink(ticket.id, ticket.id),
    severityBadge(ticket.severity),
    statusBadge(ticket.status),
    ruleLabel(context, ticket.rule),
    ticketLink(ticket.id, ticket.title),
    elevatorLink(ticket.elevator),
    ticket.district,
    formatTime(ticket.openedAt),
    ticket.occurrenceCount,
  ];
  return h(
    'tr',
    { dataset: { ticketId: ticket.id }, class: `severity-${ticket.severity}` },
    cells.map((cell, index) => h('td', { 'data-label': t(COLUMNS[index]) }, cell)),
  );
}

/** The queue page; `onTicket` takes each ticket the live feed reports. */
export function queueView(context, params) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? '']));
  const matches = (ticket) => FILTERS.every((name) => filters[name] === '' || ticket[name] === filters[name]);
  const body = h('tbody');
  const count = h('p', { class: 'count', role: 'status' });
  const notes = h('div');
  const filterSlot = h('div');
  const element = h(
    'section',
    { class: 'queue' },
    h('h1', {}, t('queue.title')),
    filterSlot,
    count,
    notes,
    h(
      'table',
      { class: 'tickets cards' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          COLUMNS.map((column) => h('th', { scope: 'col' }, t(column))),
        ),
      ),
      body,
    ),
  );
  const rows = () => body.querySelectorAll('tr[data-ticket-id]');
  const showCount = () => {
    count.textContent = rows().length === 0 ? t('queue.empty') : t('queue.count', { n: rows().length });
  };
  // What the live feed reports while the list loads is newer than the list: kept, then merged in.
  let arrivedWhileLoading = new Map();

  const onTicket = (ticket) => {
    if (arrivedWhileLoading) {
      arrivedWhileLoading.set(ticket.id, ticket);
      return;
    }
    const existing = body.querySelector(`tr[data-ticket-id="${CSS.escape(ticket.id)}"]`);
    if (!matches(ticket)) {
      existing?.remove();
      showCount();
      return;
    }
    const row = ticketRow(context, ticket);
    row.classList.add('flash');
    setTimeout(() => row.classList.remove('flash'), FLASH_MS);
    if (existing) existing.replaceWith(row);
    else {
      const younger = [...rows()].find((other) => Number(other.dataset.ticketId) < Number(ticket.id));
      body.insertBefore(row, younger ?? null);
    }
    showCount();
  };

  const load = async () => {
    arrivedWhileLoading = new Map();
    count.textContent = t('loading');
    try {
      const { tickets, capped } = await loadTickets(filters);
      const merged = new Map(tickets.map((ticket) => [ticket.id, ticket]));
      for (const [id, ticket] of arrivedWhileLoading) merged.set(id, ticket);
      arrivedWhileLoading = null;
      const shown = [...merged.values()].filter(matches).sort(newestFirst);
      filterSlot.replaceChildren(filterForm(context, filters, new Set(shown.map((ticket) => ticket.district))));
      body.replaceChildren(...shown.map((ticket) => ticketRow(context, ticket)));
      if (capped) notes.replaceChildren(h('p', { class: 'note' }, t('queue.capped', { n: MAX_TICKETS })));
      showCount();
    } catch (error) {
      count.replaceChildren(errorBox(error));
    }
  };

  return { element, load, onTicket };
}
