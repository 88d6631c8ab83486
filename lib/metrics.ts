import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Seconds from a point's own time to InfluxDB's acknowledgement of it: a batch waits up to
 * LW_BATCH_INTERVAL_MS (1 s) to fill, and the target for a city is under 5 s, so the buckets
 * are fine around both; points replayed from an old spool land in the last ones.
 */
/** From a millisecond (an idle disk) to seconds (a disk another process floods). */
const SPOOL_SYNC_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const INGEST_LAG_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 30, 60, 300];

/** Every metric liftwatch exposes on /metrics, in one registry per process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lw_process_' });
  const registers = [registry];
  return {
    registry,
    messagesReceived: new Counter({
      name: 'lw_messages_received_total',
      help: 'Elevator messages received by ingest, by topic kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'lw_dead_letters_total',
      help: 'Messages refused by ingest and kept as dead letters, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    pointsWritten: new Counter({ name: 'lw_points_written_total', help: 'Points InfluxDB acknowledged', registers }),
    pointsRejected: new Counter({
      name: 'lw_points_rejected_total',
      help: 'Points InfluxDB refused for good (HTTP 4xx), each a dead letter; the other points of a batch it took in part are stored',
      registers,
    }),
    messagesShed: new Counter({
      name: 'lw_messages_shed_total',
      help: 'QoS 0 telemetry not stored because ingest could not keep up: its spool was full, or a separate ingest lagged at the broker (QoS 1 messages wait instead)',
      registers,
    }),
    duplicates: new Counter({
      name: 'lw_duplicate_messages_total',
      help: 'Messages seen again with an (elevator, seq) already taken: acknowledged, not stored twice',
      registers,
    }),
    sequenceGaps: new Counter({
      name: 'lw_sequence_gaps_total',
      help: 'Messages missing from devices: seq numbers skipped and not (yet) seen',
      registers,
    }),
    ingestLag: new Histogram({
      name: 'lw_ingest_lag_seconds',
      help: "Seconds from each point's own time (the payload's ts) to InfluxDB acknowledging its batch",
      buckets: INGEST_LAG_BUCKETS_SECONDS,
      registers,
    }),
    spoolSync: new Histogram({
      name: 'lw_ingest_spool_sync_seconds',
      help: "Seconds from a spool commit's write to the end of its fsync: what QoS 1 publishes wait for before their PUBACK",
      buckets: SPOOL_SYNC_BUCKETS_SECONDS,
      registers,
    }),
    batchesWritten: new Counter({ name: 'lw_batches_written_total', help: 'Batches written to InfluxDB', registers }),
    writeErrors: new Counter({
      name: 'lw_write_errors_total',
      help: 'Failed InfluxDB write requests (not the requests that find which lines of a refused batch InfluxDB refused)',
      registers,
    }),
    pendingPoints: new Gauge({
      name: 'lw_ingest_pending_points',
      help: 'Points in the spool InfluxDB has not acknowledged',
      registers,
    }),
    spoolBytes: new Gauge({ name: 'lw_ingest_spool_bytes', help: 'Bytes in the ingest spool', registers }),
    webhookAttempts: new Counter({
      name: 'lw_webhook_attempts_total',
      help: 'Webhook delivery attempts, by outcome (delivered, retry, expired)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    ticketsOpened: new Counter({
      name: 'lw_tickets_opened_total',
      help: 'Tickets the rules opened, by rule',
      labelNames: ['rule'] as const,
      registers,
    }),
    occurrencesAdded: new Counter({
      name: 'lw_ticket_occurrences_added_total',
      help: 'Occurrences added to tickets, by rule',
      labelNames: ['rule'] as const,
      registers,
    }),
    observerErrors: new Counter({
      name: 'lw_rules_errors_total',
      help: 'Messages the rules engine failed on (the message itself is stored)',
      registers,
    }),
    mqttClients: new Gauge({ name: 'lw_mqtt_clients', help: 'Connected MQTT clients', registers }),
    readerBacklogBytes: new Gauge({
      name: 'lw_mqtt_reader_backlog_bytes',
      help: "Bytes the broker holds for liftwatch's readers (a separate ingest): unsent, or queued while it is offline",
      registers,
    }),
    routerHeld: new Counter({
      name: 'lw_mqtt_router_held_total',
      help: "Device publishes that waited for room in the broker's router (its queue is bounded)",
      registers,
    }),
    acksHeld: new Counter({
      name: 'lw_mqtt_acks_held_total',
      help: 'Device QoS 1 publishes whose acknowledgement waited for a lagging reader',
      registers,
    }),
    authFailures: new Counter({
      name: 'lw_mqtt_auth_failures_total',
      help: 'MQTT connections refused, by CONNACK return code',
      labelNames: ['return_code'] as const,
      registers,
    }),
    publishDenied: new Counter({
      name: 'lw_mqtt_publish_denied_total',
      help: 'Publishes refused by the ACL (the client is disconnected)',
      registers,
    }),
    mqttRefusals: new Counter({
      name: 'lw_mqtt_refusals_total',
      help: 'MQTT connections refused or closed by a broker limit or a protocol violation, by reason: payload_too_large, packet_too_large, publish_rate, connect_rate, tls_handshake, token_replaced, protocol_violation',
      labelNames: ['reason'] as const,
      registers,
    }),
    keepaliveClamped: new Counter({
      name: 'lw_mqtt_keepalive_clamped_total',
      help: 'MQTT connections whose keepalive (0 or over the maximum) was clamped to the maximum',
      registers,
    }),
    mqttUndeliverable: new Counter({
      name: 'lw_mqtt_undeliverable_total',
      help: 'Messages the broker dropped instead of sending to a subscriber, because no MQTT 3.1.1 packet can carry them (a QoS 3 will kept from before such wills were refused)',
      registers,
    }),
    willsSkipped: new Counter({
      name: 'lw_mqtt_wills_skipped_total',
      help: 'Wills not published because their client had connected again since, through this broker or another',
      registers,
    }),
    willsRefused: new Counter({
      name: 'lw_mqtt_wills_refused_total',
      help: 'Wills of a stopped broker deleted unpublished, by reason: unattributed (no connection number or device names their client: left by an older liftwatch), refused (their client may no longer publish them: the elevator left the gateway, say)',
      labelNames: ['reason'] as const,
      registers,
    }),
    ingestReconnects: new Counter({
      name: 'lw_ingest_mqtt_reconnects_total',
      help: 'Times a separately running ingest connected to the broker again after losing its connection',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
