import type { ElevatorStore } from '../../store/types.js';

/** How often the store is read for gateways set by another process (the API running apart). */
export const DEFAULT_GATEWAY_CHECK_INTERVAL_MS = 2000;
/**
 * Each check reads the changes of this last stretch (re-reading is harmless): it covers a check
 * delayed by a busy event loop, and writers that commit out of timestamp order.
 */
const GATEWAY_CHECK_LOOKBACK_MS = 60_000;

/**
 * Which gateway publishes for an elevator, read from the registry once per elevator: a
 * gateway's every publish is authorised by it, about 10k a second for a city, which SQLite
 * should not answer each time. A change made through the same store object is seen at once;
 * one made by another process, at the next check. Unregistered ids are not cached (they are
 * refused, and a new registration must be found).
 */
export class GatewayCache {
  private readonly gateways = new Map<string, string | null>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly elevators: ElevatorStore,
    intervalMs = DEFAULT_GATEWAY_CHECK_INTERVAL_MS,
  ) {
    this.unsubscribe = elevators.onGatewaySet((id) => this.gateways.delete(id));
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  /**
   * Reads every registered elevator's gateway now; returns how many. Else a city's first minute
   * after a start asks SQLite once for each of its elevators, as their first publishes come.
   */
  preload(): number {
    for (const { id, gateway } of this.elevators.gateways()) this.gateways.set(id, gateway);
    return this.gateways.size;
  }

  readonly gatewayOf = (elevatorId: string): string | null | undefined => {
    if (this.gateways.has(elevatorId)) return this.gateways.get(elevatorId);
    const gateway = this.elevators.gatewayOf(elevatorId);
    if (gateway !== undefined) this.gateways.set(elevatorId, gateway);
    return gateway;
  };

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private check(): void {
    if (this.gateways.size === 0) return;
    const since = new Date(Date.now() - GATEWAY_CHECK_LOOKBACK_MS);
    for (const { id, gateway } of this.elevators.gatewaysSetSince(since)) {
      if (this.gateways.has(id)) this.gateways.set(id, gateway);
    }
  }
}
