// The console: signs in, keeps the live ticket feed open while signed in, and routes
// #/ (the queue), #/tickets/:id and #/elevators/:id to their pages.

import { api, followTicketEvents, forgetKey, onUnauthorized, storeKey, storedKey } from './api.js';
import { h } from './dom.js';
import { LANGUAGES, language, setLanguage, t } from './i18n.js';
import { elevatorView } from './elevator.js';
import { queueView } from './queue.js';
import { signInView } from './signin.js';
import { ticketView } from './ticket.js';

/** Who may open the dashboards page (GET /api/dashboards refuses the others). */
const DASHBOARD_READERS = ['admin', 'regulator'];
const bar = document.getElementById('bar');
const main = document.getElementById('main');

/** Null while signed out; else who signed in, the tables the pages read, and the live feed. */
let session = null;
let view = null;

async function startSession(principal) {
  const [faultCodes, actions, rules] = await Promise.all([
    api('/api/fault-codes'),
    api('/api/ticket-actions'),
    api('/api/rules'),
  ]);
  session = {
    context: {
      principal,
      faultCodes: new Map(faultCodes.map((info) => [info.code, info])),
      actions,
      rules: new Map(rules.map((rule) => [rule.id, rule])),
    },
    live: null,
    liveUp: false,
  };
  const current = session;
  let firstReport = true;
  current.live = followTicketEvents({
    onEvent: (event) => view?.onTicket?.(event.ticket),
    onState: (up, resumed) => {
      // A connection that could not resume after a known event may have missed some: reload the page.
      const missedSome = up && !resumed && !firstReport;
      firstReport = false;
      current.liveUp = up;
      renderBar();
      if (missedSome) view?.load();
    },
  });
  // Pages load once the feed is open, so nothing that happens meanwhile is missed.
  await current.live.ready;
}

function signOut() {
  session?.live.close();
  session = null;
  forgetKey();
  renderBar();
  if (location.hash === '' || location.hash === '#/') route();
  else location.hash = '#/';
}

onUnauthorized(signOut);

async function signIn(key, principal) {
  storeKey(key);
  await startSession(principal);
  renderBar();
  route();
}

function renderBar() {
  const other = LANGUAGES.find((candidate) => candidate !== language());
  const principal = session?.context.principal;
  const live = session?.liveUp ? 'on' : 'off';
  bar.replaceChildren(
    h('a', { class: 'brand', href: '#/' }, t('app.title')),
    h(
      'nav',
      {},
      principal
        ? [
            h('a', { href: '#/' }, t('nav.queue')),
            DASHBOARD_READERS.includes(principal.kind)
              ? h('a', { href: '/console/dashboards', id: 'dashboards-link' }, t('nav.dashboards'))
              : null,
            h('span', { class: 'live', dataset: { live } }, t(`live.${live}`)),
            h(
              'span',
              { class: 'who', dataset: { kind: principal.kind } },
              `${principal.name} · ${t(`kind.${principal.kind}`)}`,
            ),
          ]
        : null,
      h(
        'button',
        {
          type: 'button',
          id: 'language',
          lang: other,
          onclick: () => {
            setLanguage(other);
            document.title = t('app.title');
            renderBar();
            route();
          },
        },
        t('lang.other'),
      ),
      principal ? h('button', { type: 'button', id: 'sign-out', onclick: signOut }, t('signout')) : null,
    ),
  );
}

function show(next) {
  view = next;
  main.replaceChildren(next.element);
  next.load();
}

function route() {
  if (!session) {
    show(signInView(signIn));
    return;
  }
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const [page, id] = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (page === 'tickets' && id) show(ticketView(session.context, id));
  else if (page === 'elevators' && id) show(elevatorView(session.context, id));
  else show(queueView(session.context, new URLSearchParams(query)));
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
document.title = t('app.title');

// A key kept from earlier in this tab signs in again after a reload.
if (storedKey()) {
  try {
    await startSession(await api('/api/me'));
  } catch {
    forgetKey();
    session = null;
  }
}
renderBar();
route();
