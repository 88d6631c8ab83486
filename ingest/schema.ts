import { z } from 'zod';
import {
  SERVICE_MODES,
  TOPIC_KINDS,
  buildTopic,
  faultInfo,
  isTopicKind,
  payloadSchemas,
  type DecodedMessage,
  type Elevator,
  type TopicKind,
} from '../contract/index.js';
import {
  encodeLine,
  encodeTags,
  seriesOf,
  type FieldType,
  type FieldValue,
  type Point,
} from '../influx/line-protocol.js';

/**
 * How contract messages become InfluxDB points (DESIGN.md "Storage"): one measurement per
 * topic kind, registry tags on every point, `code`/`severity`/`category` tags on faults,
 * payload values as fields under their payload names, the payload's `ts` as the time.
 */

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
};

const isInteger = (value: unknown) => Number.isInteger(value);

/** The InfluxDB field type of a contract field, read off its JSON Schema so the contract stays the one source. */
function fieldTypeOf(schema: JsonSchema): FieldType {
  if (schema.anyOf) {
    const types = new Set(schema.anyOf.map(fieldTypeOf));
    return types.size === 1 ? (types.values().next().value as FieldType) : 'string';
  }
  switch (schema.type) {
    case 'integer':
      return 'integer';
    case 'number': {
      const values = schema.enum ?? (schema.const === undefined ? [] : [schema.const]);
      return values.length > 0 && values.every(isInteger) ? 'integer' : 'float';
    }
    case 'boolean':
      return 'boolean';
    default:
      return 'string';
  }
}

/** Payload fields that travel as tags, or as the point's time, rather than as fields. */
const NOT_FIELDS: Readonly<Record<TopicKind, readonly string[]>> = {
  telemetry: ['ts'],
  faults: ['ts', 'code'],
  doors: ['ts'],
  maintenance: ['ts'],
  online: ['ts'],
};

/**
 * Payload fields stored under another name because a registry tag has theirs: with a tag and a
 * field both called `contractor`, InfluxQL's `WHERE contractor = 'x'` reads the field, not the tag.
 */
const FIELD_NAMES: Readonly<Partial<Record<TopicKind, Readonly<Record<string, string>>>>> = {
  maintenance: { contractor: 'visitContractor' },
};

const fieldName = (kind: TopicKind, name: string) => FIELD_NAMES[kind]?.[name] ?? name;

/** Object payloads give a field per property; a bare scalar payload is a field named after the kind. */
function fieldTypesOf(kind: TopicKind): Record<string, FieldType> {
  const schema = z.toJSONSchema(payloadSchemas[kind], { io: 'input' }) as JsonSchema;
  const objects = (schema.anyOf ?? [schema]).filter((variant) => variant.properties);
  const scalars = (schema.anyOf ?? [schema]).filter((variant) => !variant.properties);
  const types: Record<string, FieldType> = {};
  if (scalars.length > 0) types[kind] = fieldTypeOf({ anyOf: scalars });
  for (const variant of objects) {
    for (const [name, property] of Object.entries(variant.properties ?? {})) {
      if (!NOT_FIELDS[kind].includes(name)) types[fieldName(kind, name)] = fieldTypeOf(property);
    }
  }
  return types;
}

/**
 * Fields liftwatch derives at ingest for the dashboards: `inService` is 1 when the elevator
 * reports normal service, so availability is `100 * mean("inService")` over any period.
 */
const DERIVED_FIELD_TYPES: Readonly<Partial<Record<TopicKind, Readonly<Record<string, FieldType>>>>> = {
  telemetry: { inService: 'integer' },
};

export const FIELD_TYPES: Readonly<Record<TopicKind, Readonly<Record<string, FieldType>>>> = Object.fromEntries(
  TOPIC_KINDS.map((kind) => [kind, { ...fieldTypesOf(kind), ...DERIVED_FIELD_TYPES[kind] }]),
) as Record<TopicKind, Record<string, FieldType>>;

export const REGISTRY_TAGS = ['elevator', 'district', 'use_unit', 'insurer', 'contractor'] as const;

type RegistryTags = Readonly<Record<(typeof REGISTRY_TAGS)[number], string>>;

function registryTags(elevator: Elevator): RegistryTags {
  return {
    elevator: elevator.id,
    district: elevator.district,
    use_unit: elevator.useUnit,
    insurer: elevator.insurer,
    contractor: elevator.contractor,
  };
}

/** An elevator's registry tags in line protocol: every point of it but its faults (which add tags) carries them. */
export function registryTagSet(elevator: Elevator): string {
  return encodeTags(registryTags(elevator));
}

function toFields(payload: object, kind: TopicKind): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const values = payload as Record<string, unknown>;
  for (const name in values) {
    const value = values[name];
    if (value === undefined || NOT_FIELDS[kind].includes(name)) continue;
    fields[fieldName(kind, name)] = Array.isArray(value) ? JSON.stringify(value) : (value as FieldValue);
  }
  return fields;
}

/** The point for a validated message from a registered elevator. */
export function toPoint(message: DecodedMessage, elevator: Elevator, receivedAtMs: number): Point {
  const tags = registryTags(elevator);
  switch (message.kind) {
    case 'online':
      return typeof message.payload === 'number'
        ? { measurement: 'online', tags, fields: { online: message.payload }, timeMs: receivedAtMs }
        : { measurement: 'online', tags, fields: toFields(message.payload, 'online'), timeMs: message.payload.ts };
    case 'faults': {
      const { severity, category } = faultInfo(message.payload.code);
      return {
        measurement: 'faults',
        tags: { ...tags, code: String(message.payload.code), severity, category },
        fields: toFields(message.payload, 'faults'),
        timeMs: message.payload.ts,
      };
    }
    case 'telemetry': {
      const fields = toFields(message.payload, 'telemetry');
      fields.inService = message.payload.mode === SERVICE_MODES.normal ? 1 : 0;
      return { measurement: 'telemetry', tags, fields, timeMs: message.payload.ts };
    }
    default:
      return {
        measurement: message.kind,
        tags,
        fields: toFields(message.payload, message.kind),
        timeMs: message.payload.ts,
      };
  }
}

/** The line for a validated message from a registered elevator, with its registry tag set already encoded. */
export function messageLine(
  message: DecodedMessage,
  { elevator, tagSet }: { readonly elevator: Elevator; readonly tagSet: string },
  receivedAtMs: number,
): string {
  const point = toPoint(message, elevator, receivedAtMs);
  if (message.kind === 'faults') return encodeLine(point, FIELD_TYPES.faults);
  return encodeLine(point, FIELD_TYPES[message.kind], tagSet);
}

/** Messages a device skipped (its `seq` jumped), as the `link` measurement: a device losing messages shows. */
export const GAP_MEASUREMENT = 'link';
const GAP_FIELD_TYPES: Readonly<Record<string, FieldType>> = { missed: 'integer' };

export function gapLine(elevator: Elevator, missed: number, timeMs: number): string {
  return encodeLine(
    { measurement: GAP_MEASUREMENT, tags: registryTags(elevator), fields: { missed }, timeMs },
    GAP_FIELD_TYPES,
  );
}

/** The `elevator` tag of a line's tag set: an id has nothing to escape, and an escaped comma is another tag's. */
const ELEVATOR_TAG = /(?:^|[^\\]),elevator=([A-Za-z0-9_-]{1,32})(?:,|$)/;

/** The topic a line's point came from, read back from its measurement and `elevator` tag; else its measurement. */
export function lineTopic(line: string): string {
  const { measurement, tags } = seriesOf(line);
  const elevator = ELEVATOR_TAG.exec(tags)?.[1];
  return elevator !== undefined && isTopicKind(measurement) ? buildTopic(elevator, measurement) : measurement;
}
