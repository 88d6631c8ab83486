// Small pieces every page shows the same way: badges, fault names, links.

import { HTTP_NOT_FOUND } from './api.js';
import { h } from './dom.js';
import { language, ruleName, t } from './i18n.js';

export const severityBadge = (severity) =>
  h('span', { class: `badge severity-${severity}`, dataset: { severity } }, t(`severity.${severity}`));

export const statusBadge = (status) =>
  h('span', { class: `badge status-${status}`, dataset: { status } }, t(`status.${status}`));

/** "93 困人": the code with its name from GET /api/fault-codes. */
export function faultName(context, code) {
  const info = context.faultCodes.get(code);
  if (!info) return String(code);
  return `${code} ${language() === 'en' ? info.name : info.nameZh}`;
}

/** The rule's short name, its description (from GET /api/rules) as the tooltip. */
export const ruleLabel = (context, id) =>
  h('span', { class: 'rule', title: context.rules.get(id)?.description }, ruleName(id));

export const ticketLink = (id, ...children) => h('a', { href: `#/tickets/${encodeURIComponent(id)}` }, ...children);
export const elevatorLink = (id) => h('a', { href: `#/elevators/${encodeURIComponent(id)}` }, id);

export const errorBox = (error) =>
  h(
    'p',
    { class: 'error', role: 'alert' },
    error.status === HTTP_NOT_FOUND ? t('error.notFound') : t('error.generic', { message: error.message }),
  );
