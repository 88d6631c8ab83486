import type { Elevator } from '../contract/index.js';
import type { ElevatorStore } from '../store/types.js';

/**
 * Registry rows for enrichment, read once per elevator. Registrations never change an
 * elevator's tags today, so entries do not expire; misses are not cached because an
 * elevator registered a moment ago must be found on its first message.
 */
export class RegistryCache {
  private readonly elevators = new Map<string, Elevator>();

  constructor(private readonly store: ElevatorStore) {}

  get(id: string): Elevator | undefined {
    let elevator = this.elevators.get(id);
    if (elevator === undefined) {
      elevator = this.store.get(id);
      if (elevator) this.elevators.set(id, elevator);
    }
    return elevator;
  }
}
