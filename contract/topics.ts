import { z } from 'zod';

/** An elevator's registration code, which is also its MQTT username and client id. */
export const ELEVATOR_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const elevatorIdSchema = z
  .string()
  .regex(ELEVATOR_ID_PATTERN, 'elevator id must be 1 to 32 characters of A-Z, a-z, 0-9, _ or -');
export type ElevatorId = z.infer<typeof elevatorIdSchema>;

/**
 * A building gateway: one MQTT connection that publishes for the elevators of a building, each
 * on that elevator's own topics, allowed only for elevators whose registry record names it. Its
 * id has the elevator id alphabet; it connects with username and client id `gateway:{id}` (the
 * colon keeps gateways apart from elevator ids) and its token as password.
 */
export const GATEWAY_USERNAME_PREFIX = 'gateway:';
export const gatewayIdSchema = z
  .string()
  .regex(ELEVATOR_ID_PATTERN, 'gateway id must be 1 to 32 characters of A-Z, a-z, 0-9, _ or -');
export type GatewayId = z.infer<typeof gatewayIdSchema>;

export const gatewayUsername = (id: GatewayId): string => `${GATEWAY_USERNAME_PREFIX}${id}`;

export const TOPIC_ROOT = 'elevators';
export const TOPIC_KINDS = ['telemetry', 'faults', 'doors', 'maintenance', 'online'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

export interface ElevatorTopic {
  readonly elevatorId: ElevatorId;
  readonly kind: TopicKind;
}

const kinds: ReadonlySet<string> = new Set(TOPIC_KINDS);

export function isTopicKind(value: string): value is TopicKind {
  return kinds.has(value);
}

export function buildTopic(elevatorId: ElevatorId, kind: TopicKind): string {
  return `${TOPIC_ROOT}/${elevatorId}/${kind}`;
}

/** `elevators/{id}/{kind}` with a valid id and a known kind, or null for anything else. */
export function parseTopic(topic: string): ElevatorTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 3) return null;
  const [root, elevatorId, kind] = parts as [string, string, string];
  if (root !== TOPIC_ROOT || !ELEVATOR_ID_PATTERN.test(elevatorId) || !isTopicKind(kind)) return null;
  return { elevatorId, kind };
}

/** The topic filter that matches every elevator message, for a subscribing ingest. */
export const ALL_ELEVATOR_TOPICS = `${TOPIC_ROOT}/+/+`;

/**
 * liftwatch's own MQTT identities, which read every elevator topic and publish nothing: a
 * separately running ingest (`liftwatch ingest`) and the trace recorder (`liftwatch replay
 * record`). Username and client id are the name, the password is the admin key; the colon
 * keeps them outside the elevator id alphabet.
 */
export const INGEST_PRINCIPAL = 'liftwatch:ingest';
export const RECORDER_PRINCIPAL = 'liftwatch:recorder';
export const SERVICE_PRINCIPALS: readonly string[] = [INGEST_PRINCIPAL, RECORDER_PRINCIPAL];
