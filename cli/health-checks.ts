import type { HealthCheck } from '../api/health.js';
import type { Broker } from '../broker/index.js';
import type { Ingest } from '../ingest/index.js';
import type { Store } from '../store/types.js';
import type { TelemetryConnection } from './telemetry.js';

export interface Components {
  readonly store: Store;
  readonly telemetry: TelemetryConnection;
  readonly broker?: Broker;
  readonly ingest?: Ingest;
}

/** One health probe per component running in this process. */
export function healthChecks({ store, telemetry, broker, ingest }: Components): Record<string, HealthCheck> {
  const checks: Record<string, HealthCheck> = {
    store() {
      store.check();
      return { status: 'up', detail: { elevators: store.elevators.count(), deadLetters: store.deadLetters.count() } };
    },
    async influxdb() {
      const version = await telemetry.store.ping();
      return {
        status: 'up',
        detail: { url: telemetry.store.url, version, embedded: telemetry.embedded?.state ?? 'no' },
      };
    },
  };
  if (broker) {
    checks.broker = () => {
      const { listening, clients, failingAddresses, readerBacklog, router, ...persistence } = broker.status();
      // Without its Redis a broker can neither keep sessions nor reach the other brokers.
      const redisDown = persistence.persistence === 'redis' && !persistence.redisReachable;
      return {
        status: listening && !redisDown ? 'up' : 'down',
        // The addresses with the most authentication failures: a bounded list, never metric labels.
        // A lagging separate ingest slows the devices down (readerBacklog.holding): the broker itself is up.
        detail: { clients, failingAddresses, readerBacklog, router, ...persistence },
      };
    };
  }
  if (ingest) {
    checks.ingest = () => {
      const { source, mqttConnected, mqttUnstable, writer } = ingest.status();
      const down = writer.retrying || writer.spoolFull || mqttConnected === false || mqttUnstable === true;
      return { status: down ? 'down' : 'up', detail: { source, mqttConnected, mqttUnstable, ...writer } };
    };
  }
  return checks;
}
