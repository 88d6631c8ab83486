import type { Elevator } from '../contract/index.js';
import type { ElevatorStore } from '../store/types.js';
import { registryTagSet } from './schema.js';

export interface CachedElevator {
  readonly elevator: Elevator;
  /** Its registry tags in line protocol, encoded once for all its points. */
  readonly tagSet: string;
}

/**
 * Registry rows for enrichment, read once per elevator. Registrations never change an
 * elevator's tags today, so entries do not expire; misses are not cached because an
 * elevator registered a moment ago must be found on its first message.
 */
export class RegistryCache {
  private readonly elevators = new Map<string, CachedElevator>();

  constructor(private readonly store: ElevatorStore) {}

  get(id: string): CachedElevator | undefined {
    let cached = this.elevators.get(id);
    if (cached === undefined) {
      const elevator = this.store.get(id);
      if (!elevator) return undefined;
      cached = { elevator, tagSet: registryTagSet(elevator) };
      this.elevators.set(id, cached);
    }
    return cached;
  }
}
