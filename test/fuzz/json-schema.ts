import fc from 'fast-check';
import { z } from 'zod';

/**
 * fast-check arbitraries read off the JSON Schema that zod 4 gives for a contract schema, so the
 * fuzz follows the contract (types, enums, bounds, lengths, patterns) without restating it.
 * Values come from the schema's output form (where `ts` carries its 2000-2100 bounds) and are
 * presented in its input form (an epoch-ms `ts` may travel as an ISO 8601 string with an offset).
 */

/** The part of JSON Schema that z.toJSONSchema writes for the contract; anything else stops the fuzz. */
export interface JsonSchema {
  readonly $schema?: string;
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

const KNOWN_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  // An annotation: it constrains nothing.
  'description',
  'type',
  'enum',
  'const',
  'anyOf',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
]);

/** Strings this close to their maxLength are generated on purpose: bounds are where bugs live. */
const NEAR_MAX_LENGTH = 3;
/** Weights of ordinary and at-the-bound strings. */
const ORDINARY_STRING_WEIGHT = 4;
const BOUND_STRING_WEIGHT = 1;
/** RFC 3339 offsets run from -23:59 to +23:59. */
const MAX_OFFSET_MINUTES = 23 * 60 + 59;
/** Fraction digits an RFC 3339 time may carry beyond the seconds; Date.parse keeps milliseconds. */
const MAX_FRACTION_DIGITS = 9;
const MS_PER_MINUTE = 60_000;
const MINUTES_PER_HOUR = 60;
/** RFC 3339 years have four digits. */
const FIRST_DATE = new Date('0000-01-01T00:00:00Z');
const LAST_DATE = new Date('9999-12-31T00:00:00Z');
/** `YYYY-MM-DD` */
const DATE_LENGTH = 10;
const MS_DIGITS = 3;

export const inputSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
export const outputSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output' }) as JsonSchema;

function checkKeywords(schema: JsonSchema): void {
  const unknown = Object.keys(schema).filter((key) => !KNOWN_KEYWORDS.has(key));
  if (unknown.length > 0) throw new Error(`the fuzz cannot honour JSON Schema keywords ${unknown.join(', ')}`);
}

export const patternOf = (schema: JsonSchema) =>
  schema.pattern === undefined ? null : new RegExp(schema.pattern, 'u');

/** Strings as zod counts them (UTF-16 units) within the schema's lengths and pattern. */
function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength;
  const pattern = patternOf(schema);
  const fits = (text: string) =>
    text.length >= minLength && (maxLength === undefined || text.length <= maxLength) && (pattern?.test(text) ?? true);
  const ordinary = fc.oneof(
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    fc.string({ unit: 'binary', minLength, maxLength }),
  );
  if (maxLength === undefined) return ordinary.filter(fits);
  const nearMax = fc.string({
    unit: 'grapheme-ascii',
    minLength: Math.max(minLength, maxLength - NEAR_MAX_LENGTH),
    maxLength,
  });
  return fc
    .oneof({ weight: ORDINARY_STRING_WEIGHT, arbitrary: ordinary }, { weight: BOUND_STRING_WEIGHT, arbitrary: nearMax })
    .filter(fits);
}

/** Values valid for `schema` (an output-form schema). */
export function valueArbitrary(schema: JsonSchema): fc.Arbitrary<unknown> {
  checkKeywords(schema);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valueArbitrary));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  switch (schema.type) {
    case 'integer':
      return fc.integer({
        min: schema.minimum ?? Number.MIN_SAFE_INTEGER,
        max: schema.maximum ?? Number.MAX_SAFE_INTEGER,
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -Number.MAX_VALUE,
        max: schema.maximum ?? Number.MAX_VALUE,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'string':
      return schema.format === undefined ? stringArbitrary(schema) : formattedArbitrary(schema.format);
    case 'array':
      if (!schema.items) throw new Error('an array schema without items');
      return fc.array(valueArbitrary(schema.items), { minLength: schema.minItems ?? 0, maxLength: schema.maxItems });
    case 'object':
      return fc.record(
        Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, valueArbitrary(value)])),
        { requiredKeys: [...(schema.required ?? [])] },
      );
    default:
      throw new Error(`the fuzz cannot generate JSON Schema type ${String(schema.type)}`);
  }
}

const pad = (value: number, digits = 2) => String(value).padStart(digits, '0');

/**
 * `ms` as RFC 3339 local time at `offsetMinutes` from UTC, with `fractionDigits` after the
 * seconds (fewer than 3 cut the milliseconds, more pad them with zeros); UTC as `Z` or `+00:00`.
 */
export function isoWithOffset(ms: number, offsetMinutes: number, fractionDigits: number, utcAsZ: boolean): string {
  const local = new Date(ms + offsetMinutes * MS_PER_MINUTE);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const millis = pad(local.getUTCMilliseconds(), MS_DIGITS);
  const fraction = fractionDigits === 0 ? '' : `.${millis.padEnd(fractionDigits, '0').slice(0, fractionDigits)}`;
  const offset = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0 && utcAsZ
      ? 'Z'
      : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(offset / MINUTES_PER_HOUR))}:${pad(offset % MINUTES_PER_HOUR)}`;
  return `${date}T${time}${fraction}${zone}`;
}

/** Strings of a JSON Schema format: RFC 3339 full-date and date-time, years 0000 to 9999 as the format allows. */
function formattedArbitrary(format: string): fc.Arbitrary<string> {
  const dates = fc.date({ min: FIRST_DATE, max: LAST_DATE, noInvalidDate: true });
  switch (format) {
    case 'date':
      return dates.map((date) => date.toISOString().slice(0, DATE_LENGTH));
    case 'date-time':
      return fc
        .tuple(dates, fc.integer({ min: -MAX_OFFSET_MINUTES, max: MAX_OFFSET_MINUTES }), fc.boolean())
        .map(([date, offset, utcAsZ]) =>
          isoWithOffset(date.getTime() - offset * MS_PER_MINUTE, offset, MS_DIGITS, utcAsZ),
        );
    default:
      throw new Error(`the fuzz cannot generate strings of format ${format}`);
  }
}

const isDateTime = (schema: JsonSchema) => schema.type === 'string' && schema.format === 'date-time';

/**
 * Valid values in their input form: generated from `output`, then each epoch-ms integer whose
 * input schema also takes an RFC 3339 string is sent as one or the other (the string may cut
 * the milliseconds, which only moves the instant back within its second: still in bounds, as
 * the bounds are whole seconds).
 */
export function inputArbitrary(output: JsonSchema, input: JsonSchema): fc.Arbitrary<unknown> {
  checkKeywords(input);
  if (output.type === 'integer' && input.anyOf?.some(isDateTime)) {
    return valueArbitrary(output).chain((ms) =>
      fc.oneof(
        fc.constant(ms),
        fc
          .tuple(
            fc.integer({ min: -MAX_OFFSET_MINUTES, max: MAX_OFFSET_MINUTES }),
            fc.integer({ min: 0, max: MAX_FRACTION_DIGITS }),
            fc.boolean(),
          )
          .map(([offset, digits, utcAsZ]) => isoWithOffset(ms as number, offset, digits, utcAsZ)),
      ),
    );
  }
  if (output.anyOf && input.anyOf && output.anyOf.length === input.anyOf.length) {
    return fc.oneof(...output.anyOf.map((variant, i) => inputArbitrary(variant, input.anyOf?.[i] as JsonSchema)));
  }
  if (output.type === 'object' && input.type === 'object') {
    const properties = Object.entries(output.properties ?? {}).map(([key, value]) => {
      const inputProperty = input.properties?.[key];
      if (!inputProperty) throw new Error(`property ${key} is in the output schema only`);
      return [key, inputArbitrary(value, inputProperty)] as const;
    });
    return fc.record(Object.fromEntries(properties), { requiredKeys: [...(input.required ?? [])] });
  }
  return valueArbitrary(output);
}

/** A character of three UTF-8 bytes that JSON does not escape: the most bytes a UTF-16 unit can take. */
const WIDEST_CHARACTER = '重';
const NARROW_CHARACTER = 'x';

const jsonLength = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const longest = (values: readonly unknown[]) =>
  values.reduce((best, value) => (jsonLength(value) > jsonLength(best) ? value : best));

/**
 * The valid value of `output` (in its `input` form) with the most bytes as JSON: every optional
 * property, every array full, every string at its maxLength of the widest character it allows.
 * Times are written as long as they can be, at the schema's latest or `latestMs` if earlier.
 */
export function largestValue(
  output: JsonSchema,
  input: JsonSchema = output,
  latestMs = Number.POSITIVE_INFINITY,
): unknown {
  if (output.type === 'integer' && input.anyOf?.some(isDateTime)) {
    return isoWithOffset(Math.min(output.maximum ?? 0, latestMs), -MAX_OFFSET_MINUTES, MAX_FRACTION_DIGITS, false);
  }
  if (output.anyOf) {
    return longest(output.anyOf.map((variant, i) => largestValue(variant, input.anyOf?.[i] ?? variant, latestMs)));
  }
  if (output.enum) return longest(output.enum);
  if ('const' in output) return output.const;
  switch (output.type) {
    case 'integer':
    case 'number':
      return longest([output.minimum ?? Number.MIN_SAFE_INTEGER, output.maximum ?? Number.MAX_SAFE_INTEGER]);
    case 'boolean':
      return false;
    case 'string': {
      if (output.format !== undefined) return fc.sample(formattedArbitrary(output.format), 1)[0];
      const pattern = patternOf(output);
      const character = (pattern?.test(WIDEST_CHARACTER) ?? true) ? WIDEST_CHARACTER : NARROW_CHARACTER;
      return character.repeat(output.maxLength ?? output.minLength ?? 1);
    }
    case 'array':
      if (!output.items) throw new Error('an array schema without items');
      return Array.from({ length: output.maxItems ?? output.minItems ?? 1 }, () =>
        largestValue(output.items as JsonSchema, input.items ?? (output.items as JsonSchema), latestMs),
      );
    case 'object':
      return Object.fromEntries(
        Object.entries(output.properties ?? {}).map(([key, value]) => [
          key,
          largestValue(value, input.properties?.[key] ?? value, latestMs),
        ]),
      );
    default:
      throw new Error(`the fuzz cannot size JSON Schema type ${String(output.type)}`);
  }
}
