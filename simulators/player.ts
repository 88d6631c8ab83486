import type { MqttClient } from 'mqtt';
import { parseTopic } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import { obtainTokens, reissueToken, type ApiClientOptions } from './api-client.js';
import { FLEET_DEFAULTS } from './fleet.js';
import { connectSpread, DevicePublisher, disconnectAll, pacer } from './publisher.js';
import type { Trace } from './trace.js';

export interface PlayerOptions {
  readonly trace: Trace;
  readonly speed: number | 'max';
  readonly mqttUrl: string;
  readonly api: ApiClientOptions;
  readonly credentialsFile: string;
  readonly logger: Logger;
}

export interface PlayerStats {
  readonly elevators: number;
  readonly connected: number;
  readonly total: number;
  readonly published: number;
  readonly skipped: number;
  readonly errors: number;
}

export interface Player {
  run(): Promise<PlayerStats & { wallSeconds: number; byKind: Readonly<Record<string, number>> }>;
  stats(): PlayerStats;
  stop(): void;
}

/**
 * Publishes a trace again, each elevator with its own credentials on its own connection (so
 * its messages keep their order), at the pace of the recorded arrival times times `speed`.
 */
export function buildPlayer(options: PlayerOptions): Player {
  const { trace } = options;
  const publisher = new DevicePublisher({
    mqttUrl: options.mqttUrl,
    logger: options.logger,
    maxInflight: FLEET_DEFAULTS.maxInflight,
  });
  const clients = new Map<string, MqttClient>();
  const playable = trace.messages.flatMap((message) => {
    const topic = parseTopic(message.topic);
    return topic ? [{ ...message, elevatorId: topic.elevatorId, kind: topic.kind }] : [];
  });
  const elevators = [...new Set(playable.map((message) => message.elevatorId))];
  const stopping = new AbortController();

  /** Registers from the trace's registry rows; elevators without one must be registered already. */
  async function tokens(): Promise<Record<string, string>> {
    const rows = elevators.flatMap((id) => {
      const row = trace.registrations.get(id);
      return row ? [row] : [];
    });
    const known = await obtainTokens(options.api, rows, options.credentialsFile);
    for (const id of elevators) known[id] ??= await reissueToken(options.api, id);
    return known;
  }

  function stats(): PlayerStats {
    const { published, errors } = publisher.stats();
    return {
      elevators: elevators.length,
      connected: [...clients.values()].filter((client) => client.connected).length,
      total: playable.length,
      published,
      skipped: trace.messages.length - playable.length,
      errors,
    };
  }

  return {
    async run() {
      const wallStart = Date.now();
      const issued = await tokens();
      try {
        await connectSpread(
          elevators,
          FLEET_DEFAULTS.connectRate,
          async (id) => void clients.set(id, await publisher.connect(id, issued[id] as string)),
          stopping.signal,
        );
        const pace = pacer(Date.now(), playable[0]?.t ?? 0, options.speed, stopping.signal);
        for (const message of playable) {
          await pace(message.t);
          if (stopping.signal.aborted) break;
          await publisher.publish(
            clients.get(message.elevatorId) as MqttClient,
            message.topic,
            message.payload,
            message.kind,
          );
        }
        await publisher.drain();
      } finally {
        await disconnectAll([...clients.values()]);
      }
      return { ...stats(), wallSeconds: (Date.now() - wallStart) / 1000, byKind: publisher.stats().byKind };
    },
    stats,
    stop() {
      stopping.abort();
    },
  };
}
