import fc from 'fast-check';
import { TOPIC_KINDS, payloadSchemas, type TopicKind } from '../../contract/index.js';
import {
  inputArbitrary,
  inputSchemaOf,
  outputSchemaOf,
  patternOf,
  isoWithOffset,
  type JsonSchema,
} from './json-schema.js';

/**
 * Messages for every topic kind: valid ones generated from the contract's schemas, and the same
 * mutated (wrong types, out-of-range values read off the schema, extra and deleted keys, awkward
 * Unicode, NaN-ish text, huge strings, broken JSON and broken UTF-8). A message keeps its value
 * and byte mutation apart, so a run can still give each valid one a `seq` of its own.
 */

/** How a payload's JSON is written: all are the same JSON. */
export type Layout = 'compact' | 'indented' | 'padded';

/** A change to the payload's bytes after JSON.stringify. */
export type ByteMutation =
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'flip'; readonly at: number; readonly mask: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Buffer }
  | { readonly op: 'replace'; readonly bytes: Buffer };

/** Where a message is published. */
export type Route =
  | { readonly to: 'own' }
  /** A well-formed topic of an elevator nobody registered. */
  | { readonly to: 'unregistered' }
  /** Not a topic of the contract. */
  | { readonly to: 'invalid'; readonly topic: string };

export interface FuzzMessage {
  readonly kind: TopicKind;
  readonly route: Route;
  /** The value before JSON.stringify: generated valid, or mutated. */
  readonly value: unknown;
  /** True when `value` came straight from the schema: the contract must accept it. */
  readonly generatedValid: boolean;
  readonly layout: Layout;
  readonly bytes: ByteMutation | null;
}

const BYTE = 0xff;
const INDENT = 2;
const MAX_GARBAGE = 256;
/** Huge strings and arrays: beyond every maxLength of the contract, up to a few hundred kB. */
const HUGE_SIZES = [1_000, 20_000, 300_000] as const;
const DEEP_NESTING = 100_000;
/** How far past a bound an out-of-range number goes. */
const MAX_OVERSHOOT = 1_000_000;
/** Out-of-range times as RFC 3339 in UTC with milliseconds. */
const UTC_OFFSET = 0;
const MILLISECOND_DIGITS = 3;
/** A fraction that makes an integer a non-integer. */
const HALF = 0.5;
const LARGEST_ENUM_DISTANCE = 1000;
/** Code points below this hold the C0 and C1 controls, where a pattern refusing controls bites. */
const LATIN1_END = 0xff;
const MAX_CODE_POINT = 0x10ffff;

/** Text a device with a broken serializer or a hostile one might send in place of a value. */
const NASTY_TEXT = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e400',
  '0x1F',
  '',
  ' ',
  'null',
  'true',
  '١٢٣',
  '\uD800',
  'a\uDC00b',
  '\uFEFF',
  '\u202Eevil',
  '\u200B',
  '\u2028\u2029',
  'e\u0301'.repeat(300),
  '👩‍👩‍👧‍👦',
  '\u0000',
  'a"b',
  'ends with a backslash\\',
  '\\"',
  'tag,with=line protocol specials',
  '重庆市渝中区',
] as const;

/** Raw tokens spliced into the JSON text: numbers JSON does not have, or stray structure. */
const NASTY_TOKENS = ['NaN', 'Infinity', '-0', '1e400', '1E-400', '01', '.5', '+1', ',', '}', '"', '\\', '\u0000'];

/** Bytes that are not UTF-8: a lone continuation byte, overlong NUL, an encoded surrogate, 0xFF, a 5-byte lead. */
const INVALID_UTF8 = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [BYTE], [0xf8, 0x88, 0x80, 0x80, 0x80]];

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.constantFrom(...HUGE_SIZES).map((size) => 'x'.repeat(size)),
  fc.constantFrom(...HUGE_SIZES).map((size) => Array.from({ length: size }, () => 0)),
  fc.constantFrom(null, true, false, 0, -1, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, [], {}),
);

const objectVariant = (schema: JsonSchema) =>
  schema.type === 'object' ? schema : schema.anyOf?.find((variant) => variant.type === 'object');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** A JSON value of another type than `value`. */
const otherType = (value: unknown) => fc.jsonValue().filter((other) => typeOf(other) !== typeOf(value));

/** Values just outside what `input` (with `output` for bounds the input form does not carry) allows. */
function outOfRange(input: JsonSchema, output: JsonSchema): fc.Arbitrary<unknown> {
  const candidates: Array<fc.Arbitrary<unknown>> = [];
  const bounds = output.type === 'integer' || output.type === 'number' ? output : input;
  const overshoot = fc.integer({ min: 1, max: MAX_OVERSHOOT });
  if (bounds.minimum !== undefined) {
    const min = bounds.minimum;
    candidates.push(overshoot.map((by) => min - by));
    if (input.anyOf?.some((variant) => variant.format === 'date-time')) {
      candidates.push(overshoot.map((by) => isoWithOffset(min - by, UTC_OFFSET, MILLISECOND_DIGITS, true)));
    }
  }
  if (bounds.maximum !== undefined) {
    const max = bounds.maximum;
    candidates.push(overshoot.map((by) => max + by));
    if (input.anyOf?.some((variant) => variant.format === 'date-time')) {
      candidates.push(overshoot.map((by) => isoWithOffset(max + by, UTC_OFFSET, MILLISECOND_DIGITS, true)));
    }
  }
  if (bounds.type === 'integer') {
    candidates.push(fc.constant((bounds.minimum ?? 0) + HALF), fc.constant(Number.MAX_SAFE_INTEGER + 2));
  }
  if (input.anyOf?.some((variant) => variant.format === 'date-time')) {
    // dates that are no dates, and times without an offset
    candidates.push(
      fc.constantFrom(
        '2026-02-30T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '2026-11-25T24:00:00Z',
        '2026-11-25T09:00:00',
        '2026-11-25 09:00:00+08:00',
        '2026-11-25t09:00:00z',
        '2026-11-25T09:00:00+24:00',
        '2026-11-25',
      ),
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString().replace('Z', '')),
    );
  }
  const values =
    input.enum ?? (input.anyOf?.every((variant) => 'const' in variant) ? input.anyOf.map((v) => v.const) : null);
  if (values) {
    const numbers = values.filter((value): value is number => typeof value === 'number');
    if (numbers.length > 0) {
      candidates.push(
        fc
          .integer({
            min: Math.min(...numbers) - LARGEST_ENUM_DISTANCE,
            max: Math.max(...numbers) + LARGEST_ENUM_DISTANCE,
          })
          .filter((value) => !numbers.includes(value)),
        fc.constantFrom(...numbers).map(String),
      );
    }
    const strings = values.filter((value): value is string => typeof value === 'string');
    if (strings.length > 0) {
      candidates.push(
        fc.constantFrom(...strings).chain((value) => fc.constantFrom(value.toUpperCase(), `${value} `, '')),
      );
    }
  }
  if (input.type === 'string') {
    if (input.maxLength !== undefined) candidates.push(fc.constant('y'.repeat(input.maxLength + 1)));
    if (input.minLength) candidates.push(fc.constant(''));
    const pattern = patternOf(input);
    if (pattern) {
      const refused = fc
        .oneof(fc.integer({ min: 0, max: LATIN1_END }), fc.integer({ min: 0, max: MAX_CODE_POINT }))
        .map((codePoint) => String.fromCodePoint(codePoint))
        .filter((character) => !pattern.test(character));
      candidates.push(fc.tuple(fc.string({ maxLength: 8 }), refused).map(([text, bad]) => `${text}${bad}${text}`));
    }
  }
  if (input.type === 'array' && input.items) {
    if (input.maxItems !== undefined)
      candidates.push(fc.constant(Array.from({ length: input.maxItems + 1 }, () => 'z')));
    candidates.push(outOfRange(input.items, input.items).map((item) => [item]));
  }
  return candidates.length > 0 ? fc.oneof(...candidates) : otherType(undefined);
}

interface KindSchemas {
  readonly input: JsonSchema;
  readonly output: JsonSchema;
  readonly valid: fc.Arbitrary<unknown>;
}

/** The JSON Schemas of each kind's payload, from the contract, and arbitraries of valid payloads. */
export const KIND_SCHEMAS: Readonly<Record<TopicKind, KindSchemas>> = Object.fromEntries(
  TOPIC_KINDS.map((kind) => {
    const input = inputSchemaOf(payloadSchemas[kind]);
    const output = outputSchemaOf(payloadSchemas[kind]);
    return [kind, { input, output, valid: inputArbitrary(output, input) }];
  }),
) as Record<TopicKind, KindSchemas>;

export function withKey(value: Record<string, unknown>, key: string, replacement: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  // defineProperty, so a key named __proto__ becomes a key and not the prototype
  Object.defineProperty(copy, key, { value: replacement, enumerable: true, writable: true, configurable: true });
  return copy;
}

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** One value-level mutation of a valid payload of `kind`. */
function mutatedValue(kind: TopicKind, value: unknown): fc.Arbitrary<unknown> {
  const { input, output } = KIND_SCHEMAS[kind];
  const inputObject = objectVariant(input);
  const outputObject = objectVariant(output);
  if (!isRecord(value) || !inputObject?.properties || !outputObject?.properties) {
    return fc.oneof(otherType(value), outOfRange(input, output), nastyValue);
  }
  const inputProperties = inputObject.properties;
  const outputProperties = outputObject.properties;
  const names = Object.keys(inputProperties);
  const present = Object.keys(value);
  const extraKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', '', 'ts ', 'SEQ', 'elevator'), fc.string());
  const mutations: Array<fc.Arbitrary<unknown>> = [
    fc.constantFrom(...names).chain((name) => otherType(value[name]).map((other) => withKey(value, name, other))),
    fc
      .constantFrom(...names)
      .chain((name) =>
        outOfRange(inputProperties[name] as JsonSchema, outputProperties[name] as JsonSchema).map((bad) =>
          withKey(value, name, bad),
        ),
      ),
    fc.tuple(extraKey, fc.oneof(fc.jsonValue(), nastyValue)).map(([key, extra]) => withKey(value, key, extra)),
    fc.tuple(fc.constantFrom(...names), nastyValue).map(([name, nasty]) => withKey(value, name, nasty)),
  ];
  if (present.length > 0) mutations.push(fc.constantFrom(...present).map((name) => withoutKey(value, name)));
  return fc.oneof(...mutations);
}

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: BYTE }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.constantFrom(...INVALID_UTF8).map((sequence) => Buffer.from(sequence)),
      fc.constantFrom(...NASTY_TOKENS).map((token) => Buffer.from(token)),
    ),
  }),
  fc.record({
    op: fc.constant('replace' as const),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: MAX_GARBAGE }).map((array) => Buffer.from(array)),
      fc.constantFrom(
        Buffer.alloc(0),
        Buffer.from('\uFEFF{}'),
        Buffer.from(`${'['.repeat(DEEP_NESTING)}${']'.repeat(DEEP_NESTING)}`),
        Buffer.from('{"ts":'),
      ),
    ),
  }),
);

/** The payload bytes of a message: its value as JSON in its layout, then its byte mutation. */
export function payloadBytes(message: Pick<FuzzMessage, 'value' | 'layout' | 'bytes'>): Buffer {
  // JSON.stringify of undefined is undefined: a mutation may leave nothing to send
  const json = JSON.stringify(message.value, null, message.layout === 'indented' ? INDENT : undefined) ?? '';
  const text = message.layout === 'padded' ? ` \n\t${json}\r\n ` : json;
  const bytes = Buffer.from(text);
  const mutation = message.bytes;
  if (!mutation) return bytes;
  const at = (position: number) => position % (bytes.length + 1);
  switch (mutation.op) {
    case 'truncate':
      return bytes.subarray(0, at(mutation.at));
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      const index = mutation.at % copy.length;
      copy[index] = (copy[index] as number) ^ mutation.mask;
      return copy;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at(mutation.at)), mutation.bytes, bytes.subarray(at(mutation.at))]);
    case 'replace':
      return mutation.bytes;
  }
}

/** Topics that are not the contract's: for ingest, which is handed whatever the broker let through. */
const INVALID_TOPICS = [
  'elevators/FZ',
  'elevators/FZ/faults/extra',
  'elevators//faults',
  `elevators/${'a'.repeat(33)}/faults`,
  'Elevators/FZ/faults',
  'elevators/FZ/unknown',
  'elevators/电梯/faults',
  'elevators/+/faults',
  '$SYS/broker',
  '',
];

const LAYOUTS: readonly Layout[] = ['compact', 'indented', 'padded'];
/** Weights: most messages go to the run's own elevator; valid and mutated payloads about even. */
const ROUTE_WEIGHTS = { own: 18, unregistered: 1, invalid: 1 } as const;
const VALID_WEIGHT = 2;
const MUTATED_WEIGHT = 3;
const BYTE_MUTATION_CHANCE = { intact: 3, mutated: 1 } as const;

export interface MessageOptions {
  /** Only topics of the run's own elevator (over MQTT, anything else closes the connection). */
  readonly ownTopicsOnly: boolean;
}

export function messageArbitrary({ ownTopicsOnly }: MessageOptions): fc.Arbitrary<FuzzMessage> {
  const route: fc.Arbitrary<Route> = ownTopicsOnly
    ? fc.constant({ to: 'own' })
    : fc.oneof(
        { weight: ROUTE_WEIGHTS.own, arbitrary: fc.constant({ to: 'own' as const }) },
        { weight: ROUTE_WEIGHTS.unregistered, arbitrary: fc.constant({ to: 'unregistered' as const }) },
        {
          weight: ROUTE_WEIGHTS.invalid,
          arbitrary: fc.constantFrom(...INVALID_TOPICS).map((topic) => ({ to: 'invalid' as const, topic })),
        },
      );
  return fc.constantFrom(...TOPIC_KINDS).chain((kind) => {
    const valid = KIND_SCHEMAS[kind].valid;
    const payload = fc.oneof(
      { weight: VALID_WEIGHT, arbitrary: valid.map((value) => ({ value, generatedValid: true })) },
      {
        weight: MUTATED_WEIGHT,
        arbitrary: valid.chain((value) => mutatedValue(kind, value)).map((value) => ({ value, generatedValid: false })),
      },
    );
    const bytes = fc.oneof(
      { weight: BYTE_MUTATION_CHANCE.intact, arbitrary: fc.constant(null) },
      { weight: BYTE_MUTATION_CHANCE.mutated, arbitrary: byteMutation },
    );
    return fc
      .record({ route, payload, layout: fc.constantFrom(...LAYOUTS), bytes })
      .map(({ payload: { value, generatedValid }, bytes: mutation, ...rest }) => ({
        kind,
        value,
        generatedValid: generatedValid && mutation === null,
        bytes: mutation,
        ...rest,
      }));
  });
}
