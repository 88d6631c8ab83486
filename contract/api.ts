import { z } from 'zod';
import { plainText } from './text.js';
import { elevatorIdSchema, gatewayIdSchema } from './topics.js';

/**
 * A name in the registry (district, use unit, insurer, contractor): plain text, Chinese welcome.
 * Each becomes an InfluxDB tag value, which cannot end with a backslash: line protocol reads it
 * as escaping the separator after it, and has no way to write one there.
 */
export const registryLabel = plainText(128)
  .trim()
  .min(1)
  .refine((label) => !label.endsWith('\\'), 'must not end with a backslash');

/** `POST /api/elevators` and each row of `POST /api/elevators/import`. */
export const elevatorRegistrationSchema = z.object({
  id: elevatorIdSchema,
  district: registryLabel,
  useUnit: registryLabel,
  insurer: registryLabel,
  contractor: registryLabel,
  installedOn: z.iso.date(),
  residentsServed: z.coerce.number().int().min(0),
  gateway: gatewayIdSchema.optional().describe('The building gateway that publishes for this elevator, if any'),
});
export type ElevatorRegistration = z.infer<typeof elevatorRegistrationSchema>;

/** Columns a CSV import may leave out (or blank): older files have no gateway column. */
export const ELEVATOR_CSV_OPTIONAL_COLUMNS: readonly string[] = ['gateway'];
/** The CSV import's header, in this order; the optional columns last. */
export const ELEVATOR_CSV_COLUMNS = elevatorRegistrationSchema.keyof().options;

export const elevatorSchema = elevatorRegistrationSchema.extend({
  registeredAt: z.iso.datetime(),
});
export type Elevator = z.infer<typeof elevatorSchema>;

export const elevatorCredentialsSchema = z.object({
  id: elevatorIdSchema,
  token: z.string().describe('The device token: the MQTT password. Shown once.'),
});

export const registeredElevatorSchema = elevatorSchema.extend({
  token: elevatorCredentialsSchema.shape.token,
});

export const elevatorImportReportSchema = z.object({
  created: z.array(elevatorCredentialsSchema),
  rejected: z.array(
    z.object({
      line: z.int(),
      id: z.string().optional(),
      code: z.enum(['LW_ERR_VALIDATION', 'LW_ERR_ELEVATOR_EXISTS']),
      reason: z.string(),
    }),
  ),
});

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().describe('Cursor: the last id of the previous page'),
});

export const elevatorPageSchema = z.object({
  items: z.array(elevatorSchema),
  next: z.string().nullable(),
});

export const deadLetterSchema = z.object({
  id: z.int(),
  receivedAt: z.iso.datetime(),
  topic: z.string(),
  payload: z.string(),
  reason: z.string(),
});
