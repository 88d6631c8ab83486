import { readRows } from './csv-import.js';
import { z } from 'zod';
import {
  ELEVATOR_CSV_COLUMNS,
  ELEVATOR_CSV_OPTIONAL_COLUMNS,
  elevatorImportReportSchema,
  elevatorRegistrationSchema,
  gatewayUsername,
  type ElevatorRegistration,
  type Gateway,
  type GatewayInput,
} from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { generateSecret, hashSecret } from '../store/credentials.js';
import type { TokenReplacementNotice } from '../lib/token-replacements.js';
import type { ElevatorStore, GatewayStore } from '../store/types.js';

export interface IssuedCredentials {
  readonly id: string;
  readonly token: string;
}

export type ImportReport = z.infer<typeof elevatorImportReportSchema>;

async function newToken(): Promise<{ token: string; tokenHash: string }> {
  const token = generateSecret();
  return { token, tokenHash: await hashSecret(token) };
}

/** Registers one elevator; its device token is returned here and never again. */
export async function registerElevator(elevators: ElevatorStore, registration: ElevatorRegistration) {
  const { token, tokenHash } = await newToken();
  return { ...elevators.register(registration, tokenHash), token };
}

/**
 * Issues a new device token; the old one stops working at once. `notice` is told, so a broker in
 * this process drops a device connected with the old token (one elsewhere finds it in the store).
 */
export async function reissueToken(
  elevators: ElevatorStore,
  id: string,
  notice?: TokenReplacementNotice,
): Promise<IssuedCredentials> {
  const { token, tokenHash } = await newToken();
  if (!elevators.replaceTokenHash(id, tokenHash)) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No elevator ${id}`);
  notice?.tokenReplaced(id);
  return { id, token };
}

/** Registers a building gateway; its token is returned here and never again. */
export async function registerGateway(gateways: GatewayStore, input: GatewayInput) {
  const { token, tokenHash } = await newToken();
  return { ...gateways.create(input, tokenHash), token };
}

/**
 * Issues a new gateway token; the old one stops working at once, and `notice` has a broker in
 * this process drop the gateway connected with it (one elsewhere finds the change in the store).
 */
export async function reissueGatewayToken(gateways: GatewayStore, id: string, notice?: TokenReplacementNotice) {
  const { token, tokenHash } = await newToken();
  if (!gateways.replaceTokenHash(id, tokenHash)) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No gateway ${id}`);
  notice?.tokenReplaced(gatewayUsername(id));
  return { ...(gateways.get(id) as Gateway), token };
}

/** Deletes a gateway no elevator names (else LW_ERR_GATEWAY_IN_USE); its connection is dropped as at a reissue. */
export function deleteGateway(gateways: GatewayStore, id: string, notice?: TokenReplacementNotice): void {
  if (!gateways.delete(id)) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No gateway ${id}`);
  notice?.tokenReplaced(gatewayUsername(id));
}

/**
 * Registers every valid row of a CSV with the columns of `POST /api/elevators`. A bad row is
 * reported and skipped; the good rows are stored in one transaction; a file that cannot be
 * parsed imports nothing.
 */
export async function importElevators(elevators: ElevatorStore, csv: string): Promise<ImportReport> {
  const rows = readRows(
    csv,
    ELEVATOR_CSV_COLUMNS.filter((column) => !ELEVATOR_CSV_OPTIONAL_COLUMNS.includes(column)),
  );

  const rejected: ImportReport['rejected'] = [];
  const accepted: Array<{ line: number; registration: ElevatorRegistration }> = [];
  const seen = new Set<string>();
  for (const { info, record } of rows) {
    const { gateway, ...required } = record;
    const result = elevatorRegistrationSchema.safeParse(gateway ? record : required);
    const id = record.id || undefined;
    if (!result.success) {
      rejected.push({
        line: info.lines,
        id,
        code: 'LW_ERR_VALIDATION',
        reason: z.prettifyError(result.error).replaceAll('\n', ' '),
      });
    } else if (seen.has(result.data.id)) {
      rejected.push({
        line: info.lines,
        id,
        code: 'LW_ERR_VALIDATION',
        reason: 'the same id appears earlier in this file',
      });
    } else {
      seen.add(result.data.id);
      accepted.push({ line: info.lines, registration: result.data });
    }
  }

  const issued = await Promise.all(accepted.map(async (row) => ({ ...row, ...(await newToken()) })));
  const { taken, unknownGateway } = elevators.registerMany(issued);
  const takenIds = new Set(taken);
  const noGateway = new Set(unknownGateway);
  for (const row of issued) {
    const { id, gateway } = row.registration;
    if (takenIds.has(id)) {
      rejected.push({ line: row.line, id, code: 'LW_ERR_ELEVATOR_EXISTS', reason: 'already registered' });
    } else if (noGateway.has(id)) {
      rejected.push({ line: row.line, id, code: 'LW_ERR_VALIDATION', reason: `no gateway ${gateway} is registered` });
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  const created = issued
    .filter((row) => !takenIds.has(row.registration.id) && !noGateway.has(row.registration.id))
    .map((row) => ({ id: row.registration.id, token: row.token }));
  return { created, rejected };
}
