import { z } from 'zod';
import { registryLabel } from './api.js';
import { gatewayIdSchema } from './topics.js';

/** `POST /api/gateways`. */
export const gatewayInputSchema = z.object({ id: gatewayIdSchema, name: registryLabel });
export type GatewayInput = z.infer<typeof gatewayInputSchema>;

export const gatewaySchema = gatewayInputSchema.extend({
  /** What the gateway connects as: its MQTT username and client id. */
  username: z.string(),
  createdAt: z.iso.datetime(),
});
export type Gateway = z.infer<typeof gatewaySchema>;

export const createdGatewaySchema = gatewaySchema.extend({
  token: z.string().describe('The gateway token: its MQTT password. Shown once.'),
});

export const gatewayPageSchema = z.object({ items: z.array(gatewaySchema), next: z.string().nullable() });

/** `PATCH /api/elevators/:id`: which gateway publishes for the elevator; null, the elevator itself. */
export const elevatorUpdateSchema = z.object({ gateway: gatewayIdSchema.nullable() });
export type ElevatorUpdate = z.infer<typeof elevatorUpdateSchema>;
