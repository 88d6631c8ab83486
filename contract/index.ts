/** The one contract: topics, payloads, fault codes and API bodies. Everything imports it from here. */
export * from './api.js';
export * from './digests.js';
export * from './fault-codes.js';
export * from './payloads.js';
export * from './tickets.js';
export * from './shadows.js';
export * from './topics.js';
export * from './principals.js';
export * from './gateways.js';
export * from './events.js';
export * from './elevator-recent.js';
export * from './reference.js';
export * from './pilot-data.js';
export * from './pilot-report.js';
export * from './maintenance.js';
export * from './risk.js';
export * from './dashboard-preview.js';
