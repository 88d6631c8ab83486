import type { Elevator } from '../contract/index.js';
import type { ElevatorStore } from './types.js';

/** Rows read per query: a city's registry in a few dozen queries, not one per elevator. */
const PAGE = 10_000;

/** Every registered elevator, in id order, read a page at a time (caches filled at start). */
export function* allElevators(store: Pick<ElevatorStore, 'list'>): Generator<Elevator> {
  let after: string | null = null;
  do {
    const page = store.list({ limit: PAGE, ...(after === null ? {} : { after }) });
    yield* page.items;
    after = page.next;
  } while (after !== null);
}
