// Builds elements with text nodes only, never from HTML strings: ticket text comes from devices
// and people, and must never be able to run as script in a page that holds an API key.

/**
 * h('a', { href: '#/', class: 'x', onclick: fn, dataset: { id: 1 } }, 'text', child, [more])
 * Attributes set to null, undefined or false are left out; children may be strings, numbers,
 * elements, arrays of them, or null.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...flatten(children));
  return element;
}

/** Replaces an element's children, leaving out null and false as h() does. */
export function fill(element, ...children) {
  element.replaceChildren(...flatten(children));
}

function flatten(children) {
  return children
    .flat(Infinity)
    .filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : String(child)));
}

/** A definition list from [label, value] pairs, leaving out pairs without a value. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
  );
}

/** A table with a header row; `label` on each cell lets the phone layout show rows as cards. */
export function table(columns, rows, attributes = {}) {
  return h(
    'table',
    attributes,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((column) => h('th', { scope: 'col' }, column)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell, index) => h('td', { 'data-label': columns[index] }, cell)),
        ),
      ),
    ),
  );
}
