import { parseTopic } from '../../contract/index.js';
import { checkPayloadSize } from './limits.js';
import { ALLOW, deny, type Decision, type Principal } from './principal.js';

export interface PublishRequest {
  readonly topic: string;
  readonly retain: boolean;
}

/** The gateway an elevator's registry record names: null for none, undefined for no such elevator. */
export type GatewayOf = (elevatorId: string) => string | null | undefined;

/**
 * An elevator publishes only to `elevators/{its id}/{kind}` for the kinds of the contract, and
 * a building gateway only to the topics of elevators whose record names it (`gatewayOf`; none
 * given, none); either retains only the presence flag. Everything else is denied, which closes
 * the connection ([MQTT-3.3.5-2]: no error goes back to the client).
 */
export function authorizePublish(
  principal: Principal | undefined,
  packet: PublishRequest,
  gatewayOf?: GatewayOf,
): Decision {
  if (principal?.kind !== 'elevator' && principal?.kind !== 'gateway')
    return deny('only elevators and gateways publish');
  const topic = parseTopic(packet.topic);
  if (!topic) return deny('not an elevator topic of the contract');
  if (principal.kind === 'elevator' && topic.elevatorId !== principal.id) return deny("another elevator's topic");
  if (principal.kind === 'gateway' && (gatewayOf?.(topic.elevatorId) ?? null) !== principal.id)
    return deny('an elevator this gateway does not publish for');
  if (packet.retain && topic.kind !== 'online') return deny('only the online topic may be retained');
  return ALLOW;
}

/** A CONNECT's will, the message the broker publishes for the client when it drops. */
export interface WillRequest extends PublishRequest {
  readonly payload: Buffer | string;
}

/**
 * A will is judged at CONNECT as the publish it will be: refused (CONNACK 5) unless the client
 * could publish it itself, rather than accepted and then dropped, or delivered, once the device is gone.
 */
export function authorizeWill(
  principal: Principal,
  will: WillRequest,
  maxPayloadBytes: number,
  gatewayOf?: GatewayOf,
): Decision {
  const size = checkPayloadSize(Buffer.byteLength(will.payload), maxPayloadBytes);
  if (!size.allowed) return size;
  return authorizePublish(principal, will, gatewayOf);
}
