// The dashboards page (/console/dashboards): the Grafana dashboards' figures for the admin and
// regulators, where Grafana is not at hand. It signs in with the console's key (the same tab's
// sessionStorage) and keeps the dashboard, range and variables in the address.

import { api, forgetKey, onUnauthorized, storeKey, storedKey } from './api.js';
import { fill, h } from './dom.js';
import { LANGUAGES, formatTime, language, setLanguage, t } from './i18n.js';
import { errorBox } from './labels.js';
import { VARIABLE_PREFIX, controls, rangeOf } from './dashboard-controls.js';
import { renderDashboard } from './panels.js';
import { signInView } from './signin.js';

/** Who may read them (GET /api/dashboards refuses the others). */
const READERS = ['admin', 'regulator'];

const bar = document.getElementById('bar');
const main = document.getElementById('main');

let principal = null;
let dashboards = [];
/** The latest answer and request: an earlier answer arriving late is dropped, not drawn. */
let shown = null;
let latest = 0;
let failure = null;

function address() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { uid: decodeURIComponent(path) || dashboards[0]?.uid, params: new URLSearchParams(query) };
}

/** A drill-down link (an elevator id in a table) opens its dashboard here, keeping the range. */
function linkTo(link, value) {
  const params = new URLSearchParams(address().params);
  for (const key of [...params.keys()]) if (key.startsWith(VARIABLE_PREFIX)) params.delete(key);
  params.set(`${VARIABLE_PREFIX}${link.variable}`, value);
  return dashboards.some(({ uid }) => uid === link.dashboard) ? `#/${link.dashboard}?${params}` : null;
}

function render(loading) {
  const { uid, params } = address();
  const current = shown?.uid === uid ? shown : null;
  const status = loading
    ? t('loading')
    : current && t('dash.shown', { from: formatTime(current.from), to: formatTime(current.to) });
  fill(
    main,
    h('h1', {}, t('dash.heading')),
    h('p', { class: 'note' }, t('dash.note')),
    controls({ dashboards, uid, params, variables: current?.variables ?? [] }),
    h('p', { class: 'dash-status', 'aria-live': 'polite' }, status),
    failure ? errorBox(failure) : null,
    h(
      'div',
      { class: 'dash-view', 'aria-busy': String(loading) },
      current ? renderDashboard(current, { linkTo }) : null,
    ),
  );
}

async function route() {
  if (!principal || !READERS.includes(principal.kind)) return;
  const { uid, params } = address();
  const request = ++latest;
  failure = null;
  render(true);
  const query = new URLSearchParams(rangeOf(params));
  for (const [key, value] of params) if (key.startsWith(VARIABLE_PREFIX)) query.append(key, value);
  try {
    const preview = await api(`/api/dashboards/${encodeURIComponent(uid)}?${query}`);
    if (request !== latest) return;
    shown = preview;
  } catch (error) {
    if (request !== latest) return;
    failure = error;
  }
  render(false);
}

function renderBar() {
  const other = LANGUAGES.find((candidate) => candidate !== language());
  fill(
    bar,
    h('a', { class: 'brand', href: '/console' }, t('app.title')),
    h(
      'nav',
      {},
      principal
        ? [
            h('a', { href: '/console#/' }, t('nav.queue')),
            h('a', { href: '#/', 'aria-current': 'page' }, t('nav.dashboards')),
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
            document.title = t('dash.heading');
            renderBar();
            if (!principal) showSignIn();
            else if (READERS.includes(principal.kind)) render(false);
            else forbidden();
          },
        },
        t('lang.other'),
      ),
      principal ? h('button', { type: 'button', id: 'sign-out', onclick: signOut }, t('signout')) : null,
    ),
  );
}

function forbidden() {
  fill(
    main,
    h('p', { class: 'error', role: 'alert' }, t('dash.forbidden')),
    h('a', { href: '/console' }, t('nav.queue')),
  );
}

function showSignIn() {
  const view = signInView(signIn);
  fill(main, view.element);
  view.load();
}

async function start(who) {
  principal = who;
  renderBar();
  if (!READERS.includes(principal.kind)) return forbidden();
  dashboards = await api('/api/dashboards');
  await route();
}

async function signIn(key, who) {
  storeKey(key);
  await start(who);
}

function signOut() {
  forgetKey();
  principal = null;
  shown = null;
  renderBar();
  showSignIn();
}

onUnauthorized(signOut);
window.addEventListener('hashchange', route);
document.title = t('dash.heading');

// The console's key, kept in this tab, signs in here too.
let who = null;
if (storedKey()) who = await api('/api/me').catch(() => null);
if (who) await start(who);
else {
  forgetKey();
  renderBar();
  showSignIn();
}
