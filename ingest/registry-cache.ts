import type { Elevator } from '../contract/index.js';
import type { ElevatorStore } from '../store/types.js';
import { registryTagSet } from './schema.js';

/** Registry rows read per query when the cache is filled at start. */
const PRELOAD_PAGE = 10_000;

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

  /**
   * Reads every registered elevator now, a page at a time; returns how many. Else the first
   * minute after a start reads them one by one as their first messages come (300k elevators:
   * a query per message while the broker is busiest).
   */
  preload(): number {
    let after: string | null = null;
    do {
      const page = this.store.list({ limit: PRELOAD_PAGE, ...(after === null ? {} : { after }) });
      for (const elevator of page.items) this.elevators.set(elevator.id, cacheEntry(elevator));
      after = page.next;
    } while (after !== null);
    return this.elevators.size;
  }

  get(id: string): CachedElevator | undefined {
    let cached = this.elevators.get(id);
    if (cached === undefined) {
      const elevator = this.store.get(id);
      if (!elevator) return undefined;
      cached = cacheEntry(elevator);
      this.elevators.set(id, cached);
    }
    return cached;
  }
}

function cacheEntry(elevator: Elevator): CachedElevator {
  return { elevator, tagSet: registryTagSet(elevator) };
}
