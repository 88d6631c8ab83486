// One ticket: details, occurrences, history, the elevator's symptoms against its usual, its recent
// faults and door figures, and the lifecycle steps legal from its status for those who may take
// them (admin, insurer).

import { api } from './api.js';
import { facts, fill, h, table } from './dom.js';
import { formatTime, t } from './i18n.js';
import { elevatorLink, errorBox, faultName, ruleLabel, severityBadge, statusBadge } from './labels.js';
import { recentSection } from './recent.js';
import { symptomsSection } from './symptoms.js';

/** Principals that may work tickets; the API answers 403 to the others, so they get no buttons. */
const ACTORS = ['admin', 'insurer'];
const STAMPS = ['acknowledged', 'dispatched', 'arrived', 'closed'];
/** The longest note the API takes with a step. */
const NOTE_MAX_CHARS = 1000;

const stamp = (value) => (value.at === null ? null : t('ticket.by', { at: formatTime(value.at), who: value.by }));
/** A step in the history, named by the status it reached ("acknowledged", not "acknowledge"). */
function historyAction(context, action) {
  if (action === 'open') return t('history.open');
  const step = context.actions.find((known) => known.action === action);
  return step ? t(`status.${step.to}`) : action;
}

function actionsPanel(context, ticket, reload) {
  const legal = context.actions.filter((action) => action.from.includes(ticket.status));
  if (legal.length === 0) return h('p', { class: 'note' }, t('ticket.noActions'));
  const note = h('input', {
    name: 'note',
    maxlength: NOTE_MAX_CHARS,
    placeholder: t('ticket.note'),
    'aria-label': t('ticket.note'),
  });
  const message = h('div');
  const buttons = legal.map(({ action }) =>
    h(
      'button',
      {
        type: 'button',
        class: `action action-${action}`,
        dataset: { action },
        onclick: async () => {
          for (const button of buttons) button.disabled = true;
          try {
            const text = note.value.trim();
            await api(`/api/tickets/${encodeURIComponent(ticket.id)}/${action}`, {
              method: 'POST',
              body: text === '' ? {} : { note: text },
            });
            await reload();
          } catch (error) {
            message.replaceChildren(errorBox(error));
            for (const button of buttons) button.disabled = false;
          }
        },
      },
      t(`action.${action}`),
    ),
  );
  return h('div', { class: 'actions' }, note, h('div', { class: 'buttons' }, buttons), message);
}

export function ticketView(context, id) {
  const element = h('section', { class: 'ticket' }, h('p', {}, t('loading')));
  // The elevator's figures: loaded once, kept across redraws of the ticket.
  let recent = null;
  let symptoms = null;

  const render = (ticket) => {
    const canAct = ACTORS.includes(context.principal.kind);
    fill(
      element,
      h('p', {}, h('a', { href: '#/' }, `← ${t('ticket.back')}`)),
      h(
        'h1',
        {},
        t('ticket.heading', { id: ticket.id }),
        ' ',
        severityBadge(ticket.severity),
        ' ',
        statusBadge(ticket.status),
      ),
      h('p', { class: 'lead' }, ruleLabel(context, ticket.rule), ' · ', h('span', { class: 'title' }, ticket.title)),
      canAct
        ? h('section', { class: 'panel' }, h('h2', {}, t('ticket.actions')), actionsPanel(context, ticket, load))
        : null,
      facts([
        [t('ticket.elevator'), elevatorLink(ticket.elevator)],
        [t('ticket.district'), ticket.district],
        [t('ticket.useUnit'), ticket.useUnit],
        [t('ticket.insurer'), ticket.insurer],
        [t('ticket.contractor'), ticket.contractor],
        [t('ticket.category'), t(`category.${ticket.category}`)],
        [t('ticket.openedAt'), formatTime(ticket.openedAt)],
        [t('ticket.deadline'), ticket.deadlineAt && formatTime(ticket.deadlineAt)],
        [t('ticket.external'), ticket.external ? t('yes') : null],
        ...STAMPS.map((name) => [t(`ticket.${name}`), stamp(ticket[name])]),
      ]),
      h('h2', {}, t('ticket.occurrences')),
      table(
        [t('col.at'), t('col.fault'), t('col.floor'), t('col.external')],
        ticket.occurrences.map((occurrence) => [
          formatTime(occurrence.at),
          occurrence.code === null ? '' : faultName(context, occurrence.code),
          occurrence.floor,
          occurrence.external ? t('yes') : '',
        ]),
        { class: 'occurrences cards' },
      ),
      h('h2', {}, t('ticket.history')),
      table(
        [t('col.at'), t('col.action'), t('col.actor'), t('col.note')],
        ticket.history.map((entry) => [
          formatTime(entry.at),
          historyAction(context, entry.action),
          entry.actor,
          entry.note,
        ]),
        { class: 'history cards' },
      ),
      symptoms.element,
      recent.element,
    );
  };

  async function load() {
    try {
      const ticket = await api(`/api/tickets/${encodeURIComponent(id)}`);
      if (recent === null) {
        recent = recentSection(context, ticket.elevator);
        recent.load();
        symptoms = symptomsSection(ticket);
        symptoms.load();
      }
      render(ticket);
    } catch (error) {
      fill(element, errorBox(error));
    }
  }

  const onTicket = (ticket) => {
    if (ticket.id === id) load();
  };
  return { element, load, onTicket };
}
