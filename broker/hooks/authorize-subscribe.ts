import { ALL_ELEVATOR_TOPICS, TOPIC_ROOT } from '../../contract/index.js';
import { ALLOW, deny, type Decision, type Principal } from './principal.js';

/**
 * An elevator subscribes only inside its own subtree `elevators/{id}/...` (so no `#`, no
 * `$SYS`, nothing of another elevator); liftwatch's readers subscribe to all elevator topics.
 * A denied filter is answered with SUBACK 0x80 [MQTT-3.9.3-2].
 */
export function authorizeSubscribe(principal: Principal | undefined, topicFilter: string): Decision {
  if (principal?.kind === 'service') {
    return topicFilter === ALL_ELEVATOR_TOPICS ? ALLOW : deny("liftwatch's readers read elevator topics only");
  }
  if (principal?.kind !== 'elevator') return deny('not authenticated');
  return topicFilter.startsWith(`${TOPIC_ROOT}/${principal.id}/`) ? ALLOW : deny("outside the elevator's own topics");
}
