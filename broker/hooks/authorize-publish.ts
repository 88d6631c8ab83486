import { parseTopic } from '../../contract/index.js';
import { ALLOW, deny, type Decision, type Principal } from './principal.js';

export interface PublishRequest {
  readonly topic: string;
  readonly retain: boolean;
}

/**
 * An elevator publishes only to `elevators/{its id}/{kind}` for the kinds of the contract, and
 * retains only its presence flag. Everything else is denied, which closes the connection
 * ([MQTT-3.3.5-2]: no error goes back to the client).
 */
export function authorizePublish(principal: Principal | undefined, packet: PublishRequest): Decision {
  if (principal?.kind !== 'elevator') return deny('only elevators publish');
  const topic = parseTopic(packet.topic);
  if (!topic) return deny('not an elevator topic of the contract');
  if (topic.elevatorId !== principal.id) return deny("another elevator's topic");
  if (packet.retain && topic.kind !== 'online') return deny('only the online topic may be retained');
  return ALLOW;
}
