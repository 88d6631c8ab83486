/** InfluxDB line protocol (1.x), written by hand because it is small and on the hot path. */

export type FieldType = 'integer' | 'float' | 'boolean' | 'string';
export type FieldValue = number | boolean | string;

export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Epoch milliseconds; write with precision=ms. */
  readonly timeMs: number;
}

/** Most names have nothing to escape: a test is cheaper than a replace on the hot path. */
const escaper = (special: string) => {
  const found = new RegExp(`[${special}]`);
  const every = new RegExp(`[${special}]`, 'g');
  return (text: string) => (found.test(text) ? text.replace(every, '\\$&') : text);
};
const escapeMeasurement = escaper(', ');
/** Tag keys, tag values and field keys escape commas, equals signs and spaces. */
const escapeKey = escaper(',= ');
const quoteString = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

function encodeField(value: FieldValue, type: FieldType): string {
  switch (type) {
    case 'integer':
      return `${Math.trunc(value as number)}i`;
    case 'float':
      return String(value as number);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quoteString(String(value));
  }
}

/**
 * The tag part of a line (",key=value,…"): tags sorted by key, as InfluxDB recommends; empty
 * values left out. A caller writing many points of one series encodes it once.
 */
export function encodeTags(tags: Readonly<Record<string, string>>): string {
  let encoded = '';
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key];
    if (value) encoded += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  return encoded;
}

/**
 * One line for a point. Field types come from the caller so a field keeps one type
 * in InfluxDB even when a float happens to be whole (1.0 written as 1i would conflict).
 * `tags` is the point's tags already encoded, when the caller has them.
 */
export function encodeLine(
  point: Point,
  fieldTypes: Readonly<Record<string, FieldType>>,
  tags: string = encodeTags(point.tags),
): string {
  let fields = '';
  for (const key in point.fields) {
    const value = point.fields[key];
    const type = fieldTypes[key];
    if (type === undefined || value === undefined) continue;
    fields += `${fields ? ',' : ''}${escapeKey(key)}=${encodeField(value, type)}`;
  }
  return `${escapeMeasurement(point.measurement)}${tags} ${fields} ${Math.trunc(point.timeMs)}`;
}

/**
 * A line's measurement and tag set (",key=value,…") as written, escapes kept: the measurement ends
 * at its first unescaped comma or space, the tags at the first unescaped space.
 */
export function seriesOf(line: string): { readonly measurement: string; readonly tags: string } {
  let measurementEnd = -1;
  let at = 0;
  for (; at < line.length && line[at] !== ' '; at++) {
    if (line[at] === '\\') at++;
    else if (line[at] === ',' && measurementEnd === -1) measurementEnd = at;
  }
  const end = Math.min(at, line.length);
  if (measurementEnd === -1) measurementEnd = end;
  return { measurement: line.slice(0, measurementEnd), tags: line.slice(measurementEnd, end) };
}
