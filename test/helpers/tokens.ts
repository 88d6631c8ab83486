import type { ElevatorRegistration } from '../../contract/index.js';
import { registerElevator } from '../../api/elevator-registry.js';
import type { Store } from '../../store/types.js';

/** Registers straight into a store, for tests that run no HTTP API; returns the device token. */
export async function issueTestToken(store: Store, registration: ElevatorRegistration): Promise<string> {
  return (await registerElevator(store.elevators, registration)).token;
}
