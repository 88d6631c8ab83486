import type { Aedes, Client } from 'aedes';

/** What aedes' persistence keeps of a message queued for a session (an aedes-packet). */
interface QueuedPacket {
  readonly cmd: string;
  readonly messageId?: number | null;
  readonly dup?: boolean;
}

/** The part of aedes' persistence (in memory or Redis) that hands a returning session its queue. */
interface OutgoingQueue {
  outgoingStream(client: Client): AsyncIterable<QueuedPacket>;
}

/** A queued PUBLISH has a packet id once it has been written to the session's client (aedes-persistence sets it then). */
const sentBefore = (packet: QueuedPacket) => packet.cmd === 'publish' && Boolean(packet.messageId);

async function* withDup(queue: AsyncIterable<QueuedPacket>): AsyncGenerator<QueuedPacket> {
  for await (const packet of queue) yield sentBefore(packet) ? { ...packet, dup: true } : packet;
}

/**
 * Sets DUP on each message a returning persistent session is sent again [MQTT-3.3.1-1]. Aedes
 * sends a session's queue at CONNECT with each message as it was first sent, DUP clear (aedes
 * #601, open upstream); a message that already has its packet id was sent before and is marked,
 * keeping that id [MQTT-4.4.0-1]. One never sent goes as it is. Call once aedes listens (its
 * persistence exists from then).
 */
export function markRedeliveries(aedes: Aedes): void {
  const persistence = (aedes as unknown as { persistence: OutgoingQueue }).persistence;
  const outgoingStream = persistence.outgoingStream.bind(persistence);
  persistence.outgoingStream = (client) => withDup(outgoingStream(client));
}
