// The page `liftwatch dashboards preview` writes: every dashboard's figures embedded in it
// (#lw-dashboards), drawn as the console's dashboards page draws them, with no server behind it.

import { fill, h } from './dom.js';
import { formatTime, t } from './i18n.js';
import { renderDashboard } from './panels.js';

const { generatedAt, dashboards } = JSON.parse(document.getElementById('lw-dashboards').textContent);

const chosen = (preview) =>
  preview.variables
    .map((variable) => `${variable.label}: ${variable.all ? t('filter.all') : variable.selected.join(', ')}`)
    .join(' · ');

document.title = t('dash.heading');
fill(
  document.getElementById('main'),
  h('h1', {}, `liftwatch ${t('dash.heading')}`),
  h('p', { class: 'note' }, t('dash.preview', { at: formatTime(generatedAt) }), ' ', t('dash.note')),
  h(
    'nav',
    { class: 'preview-contents' },
    dashboards.map((preview) => h('a', { href: `#${preview.uid}` }, preview.title)),
  ),
  dashboards.map((preview) =>
    h(
      'section',
      { class: 'preview-dashboard', id: preview.uid },
      h('h2', {}, preview.title),
      h(
        'p',
        { class: 'note' },
        t('dash.shown', { from: formatTime(preview.from), to: formatTime(preview.to) }),
        preview.variables.length > 0 ? ` · ${chosen(preview)}` : null,
      ),
      renderDashboard(preview),
    ),
  ),
);
