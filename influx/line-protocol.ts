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

const escapeMeasurement = (name: string) => name.replace(/[, ]/g, '\\$&');
/** Tag keys, tag values and field keys escape commas, equals signs and spaces. */
const escapeKey = (key: string) => key.replace(/[,= ]/g, '\\$&');
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
 * One line for a point. Field types come from the caller so a field keeps one type
 * in InfluxDB even when a float happens to be whole (1.0 written as 1i would conflict).
 * Tags are sorted by key, as InfluxDB recommends; empty tag values are left out.
 */
export function encodeLine(point: Point, fieldTypes: Readonly<Record<string, FieldType>>): string {
  let line = escapeMeasurement(point.measurement);
  for (const key of Object.keys(point.tags).sort()) {
    const value = point.tags[key];
    if (value) line += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  const fields: string[] = [];
  for (const [key, value] of Object.entries(point.fields)) {
    const type = fieldTypes[key];
    if (type === undefined || value === undefined) continue;
    fields.push(`${escapeKey(key)}=${encodeField(value, type)}`);
  }
  return `${line} ${fields.join(',')} ${Math.trunc(point.timeMs)}`;
}
