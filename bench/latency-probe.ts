/**
 * The latency benchmark's probes: one elevator at a time publishes an entrapment fault at QoS 1
 * and waits for the webhook announcing its ticket. Each probe elevator is used once, so each
 * fault opens a ticket (a second one would join the open ticket instead).
 */
import type { MqttClient } from 'mqtt';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTopic } from '../contract/index.js';
import type { Random } from '../simulators/random.js';
import type { Delivery } from './latency-receiver.js';

/** Passengers trapped: the critical fault the target is about. */
const ENTRAPMENT = 93;
const ENTRAPMENT_RULE = 'critical-entrapment';
const FLOORS = 30;
/** A ticket not announced within this long is lost: far above the dispatcher's poll and its first retries. */
const LOST_AFTER_MS = 15_000;
/** A phase that lost this many has failed; going on would only take LOST_AFTER_MS per probe. */
const GIVE_UP_AFTER_LOST = 3;
/** A progress line to stderr every so many probes. */
const PROGRESS_EVERY = 50;
/** Pause between probes, drawn at random so probes fall at every phase of the dispatcher's polling. */
const GAP_MS = [100, 400] as const;

export interface ProbeDevice {
  readonly id: string;
  readonly client: MqttClient;
}

export interface Sample {
  readonly elevator: string;
  /** Date.now() just before the fault was published. */
  readonly publishedAt: number;
  /** The ticket's createdAt: when liftwatch's engine recorded it (same machine, same clock). */
  readonly ticketAt: number;
  readonly webhookAt: number;
  readonly signatureValid: boolean;
}

export interface ProbeOutcome {
  readonly samples: Sample[];
  /** Faults whose ticket was never announced, or announced for the wrong rule. */
  readonly lost: string[];
}

/** Routes each delivered `ticket.opened` to the probe waiting for its elevator. */
export class DeliveryWaiter {
  private readonly waiting = new Map<string, (delivery: Delivery) => void>();
  unexpected = 0;

  readonly onDelivery = (delivery: Delivery): void => {
    const { event } = delivery.body;
    const resolve = event.type === 'ticket.opened' ? this.waiting.get(event.ticket.elevator) : undefined;
    if (!resolve) {
      this.unexpected++;
      return;
    }
    this.waiting.delete(event.ticket.elevator);
    resolve(delivery);
  };

  next(elevator: string): Promise<Delivery | null> {
    return Promise.race([
      new Promise<Delivery>((resolve) => this.waiting.set(elevator, resolve)),
      sleep(LOST_AFTER_MS, null, { ref: false }),
    ]);
  }
}

export async function probe(phase: string, devices: readonly ProbeDevice[], waiter: DeliveryWaiter, random: Random) {
  const outcome: ProbeOutcome = { samples: [], lost: [] };
  for (const [i, { id, client }] of devices.entries()) {
    if (outcome.lost.length >= GIVE_UP_AFTER_LOST) break;
    if (i % PROGRESS_EVERY === 0) process.stderr.write(`latency: ${phase}: probe ${i + 1} of ${devices.length}\n`);
    const delivered = waiter.next(id);
    const publishedAt = Date.now();
    const payload = JSON.stringify({ ts: publishedAt, seq: 0, code: ENTRAPMENT, floor: random.int(1, FLOORS) });
    client.publish(buildTopic(id, 'faults'), payload, { qos: 1 });
    const delivery = await delivered;
    if (!delivery || delivery.body.event.ticket.rule !== ENTRAPMENT_RULE) {
      process.stderr.write(`latency: ${phase}: no ticket.opened for ${id} within ${LOST_AFTER_MS / 1000} s\n`);
      outcome.lost.push(id);
    } else {
      outcome.samples.push({
        elevator: id,
        publishedAt,
        ticketAt: Date.parse(delivery.body.event.ticket.createdAt),
        webhookAt: delivery.receivedAt,
        signatureValid: delivery.signatureValid,
      });
    }
    await sleep(random.int(...GAP_MS));
  }
  return outcome;
}
