import { z } from 'zod';
import { FAULT_CODE_VALUES } from './fault-codes.js';
import { plainText } from './text.js';
import type { TopicKind } from './topics.js';

/** Earliest and latest plausible message times; anything outside is a device clock fault. */
const EARLIEST_TS_MS = Date.UTC(2000, 0, 1);
const LATEST_TS_MS = Date.UTC(2100, 0, 1);

/**
 * How far ahead of its arrival a message's `ts` may be (LW_MAX_CLOCK_SKEW): a clock a little fast
 * is taken as it is; a day ahead is a wrong clock, whose fault would open a ticket with its
 * deadlines in the future. Old times are taken: replays, backfills, a terminal's buffer.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** `ts`: ISO 8601 with an offset, or epoch milliseconds; parsed to epoch milliseconds. */
export const timestampSchema = z
  .union([z.iso.datetime({ offset: true }).transform((iso) => Date.parse(iso)), z.int()])
  .pipe(z.int().min(EARLIEST_TS_MS, 'ts is before 2000').max(LATEST_TS_MS, 'ts is after 2100'));

/** `seq`: the device's own increasing counter, for dedup and gap detection. */
export const sequenceSchema = z.int().min(0);

const envelope = { ts: timestampSchema, seq: sequenceSchema };

const count = z.int().min(0);
const floor = z.int().min(-20).max(300);
const label = plainText(128).min(1);

export const SERVICE_MODES = {
  outOfService: 0,
  normal: 1,
  inspection: 2,
  fireReturn: 3,
  firefighter: 4,
  emergencyPower: 5,
  seismic: 6,
  unknown: 7,
} as const;
export const DIRECTIONS = { none: 0, up: 1, down: 2 } as const;
export const DOOR_STATES = {
  unknown: 0,
  closing: 1,
  closed: 2,
  opening: 3,
  open: 4,
  locked: 5,
  notFullyClosed: 6,
} as const;

const codeOf = <T extends Record<string, number>>(codes: T) =>
  z.literal(Object.values(codes) as [T[keyof T], ...T[keyof T][]]);

export const telemetryPayloadSchema = z.object({
  ...envelope,
  mode: codeOf(SERVICE_MODES),
  floor,
  direction: codeOf(DIRECTIONS),
  doorState: codeOf(DOOR_STATES),
  occupied: z.boolean().optional(),
  loadPct: z.number().min(0).max(200).optional(),
  speedMps: z.number().min(0).max(20).optional(),
  runs: count,
  runSeconds: count,
  doorCycles: count,
  ropeBends: count.optional(),
});

export const faultPayloadSchema = z.object({
  ...envelope,
  code: z.literal(FAULT_CODE_VALUES, { error: 'unknown fault code' }),
  floor,
  detail: plainText(500).optional(),
});

export const doorPayloadSchema = z.object({
  ...envelope,
  floor,
  openMs: count,
  closeMs: count,
  reopens: count,
  obstructed: z.boolean(),
});

export const MAINTENANCE_ACTIONS = ['checkin', 'checkout'] as const;
export const MAINTENANCE_KINDS = ['half-monthly', 'quarterly', 'semi-annual', 'annual', 'repair'] as const;

export const maintenancePayloadSchema = z.object({
  ...envelope,
  action: z.enum(MAINTENANCE_ACTIONS),
  technician: label,
  contractor: label,
  kind: z.enum(MAINTENANCE_KINDS),
  items: z.array(plainText(200).min(1)).max(100).optional(),
});

const presence = z.union([z.literal(0), z.literal(1)]);
/**
 * The retained presence flag: `1` after connect, `0` as the will message. A device that knows
 * the time may send `{"online": 1, "ts": …, "seq": …}` instead; the bare form is timed on arrival.
 */
export const onlinePayloadSchema = z.union([presence, z.object({ ...envelope, online: presence })]);
export const ONLINE = 1;
export const OFFLINE = 0;

export type TelemetryPayload = z.infer<typeof telemetryPayloadSchema>;
export type FaultPayload = z.infer<typeof faultPayloadSchema>;
export type DoorPayload = z.infer<typeof doorPayloadSchema>;
export type MaintenancePayload = z.infer<typeof maintenancePayloadSchema>;
export type OnlinePayload = z.infer<typeof onlinePayloadSchema>;

export const payloadSchemas = {
  telemetry: telemetryPayloadSchema,
  faults: faultPayloadSchema,
  doors: doorPayloadSchema,
  maintenance: maintenancePayloadSchema,
  online: onlinePayloadSchema,
} as const satisfies Record<TopicKind, z.ZodType>;

export type PayloadOf<K extends TopicKind> = z.infer<(typeof payloadSchemas)[K]>;
/** What a device sends, before `ts` is parsed (ISO strings allowed). */
export type PayloadInputOf<K extends TopicKind> = z.input<(typeof payloadSchemas)[K]>;

export type DecodedMessage = {
  [K in TopicKind]: { kind: K; payload: PayloadOf<K> };
}[TopicKind];

export type DecodeResult = { ok: true; message: DecodedMessage } | { ok: false; reason: string };

/** Parses a raw MQTT payload for a topic kind: UTF-8 JSON, then the kind's schema. */
export function decodePayload(kind: TopicKind, raw: Buffer | string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not valid JSON' };
  }
  const result = payloadSchemas[kind].safeParse(json);
  if (!result.success) return { ok: false, reason: z.prettifyError(result.error).replaceAll('\n', ' ') };
  return { ok: true, message: { kind, payload: result.data } as DecodedMessage };
}
