// Sign in with an API key: checked with GET /api/me before it is kept.

import { ApiError, HTTP_UNAUTHORIZED, api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { errorBox } from './labels.js';

export function signInView(onSignedIn) {
  const key = h('input', {
    id: 'api-key',
    name: 'key',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: false,
  });
  const message = h('div');
  const element = h(
    'section',
    { class: 'signin panel' },
    h('h1', {}, t('signin.title')),
    h(
      'form',
      {
        onsubmit: async (event) => {
          event.preventDefault();
          const candidate = key.value.trim();
          try {
            await onSignedIn(candidate, await api('/api/me', { key: candidate }));
          } catch (error) {
            message.replaceChildren(
              error instanceof ApiError && error.status === HTTP_UNAUTHORIZED
                ? h('p', { class: 'error', role: 'alert' }, t('signin.invalid'))
                : errorBox(error),
            );
          }
        },
      },
      h('label', { for: 'api-key' }, t('signin.key')),
      key,
      h('button', { type: 'submit' }, t('signin.submit')),
      message,
      h('p', { class: 'note' }, t('signin.hint')),
    ),
  );
  return { element, load: async () => key.focus() };
}
