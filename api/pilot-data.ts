import {
  CLAIM_CSV_COLUMNS,
  POLICY_CSV_COLUMNS,
  SATISFACTION_CSV_COLUMNS,
  claimInputSchema,
  policyInputSchema,
  satisfactionInputSchema,
  surveyPeriodStart,
  type Claim,
  type ClaimInput,
  type Elevator,
  type Policy,
  type PolicyInput,
  type Principal,
  type Satisfaction,
  type SatisfactionInput,
} from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { shanghaiDate } from '../lib/shanghai.js';
import type { NewClaim, Store } from '../store/types.js';
import { inScope } from './auth.js';
import type { RecordKind } from './csv-import.js';

/**
 * The checks a policy, claim or survey result passes before it is stored, the same for the JSON
 * routes and each row of a CSV import: the references exist, and an insurer touches only the
 * elevators it insures (another's is a 404, as elsewhere).
 */

/** The elevator, if it exists for this principal. */
function elevatorFor(store: Store, principal: Principal, id: string): Elevator {
  const elevator = store.elevators.get(id);
  if (!elevator || !inScope(principal, elevator))
    throw new LiftwatchError('LW_ERR_NOT_FOUND', `elevator: no elevator ${id}`);
  return elevator;
}

export function policyKind(
  store: Store,
  principal: Principal,
  now: () => Date,
): RecordKind<PolicyInput, PolicyInput, Policy> {
  return {
    schema: policyInputSchema,
    columns: POLICY_CSV_COLUMNS,
    prepare(policy) {
      elevatorFor(store, principal, policy.elevator);
      if (principal.kind === 'insurer' && policy.insurer !== principal.id) {
        throw new LiftwatchError(
          'LW_ERR_FORBIDDEN',
          `insurer: an insurer enters its own policies only (${principal.id})`,
        );
      }
      return policy;
    },
    storeAll: (policies) => store.policies.addMany(policies, now()),
  };
}

export function claimKind(
  store: Store,
  principal: Principal,
  now: () => Date,
): RecordKind<ClaimInput, NewClaim, Claim> {
  return {
    schema: claimInputSchema,
    columns: CLAIM_CSV_COLUMNS,
    prepare(claim) {
      elevatorFor(store, principal, claim.elevator);
      if (Date.parse(claim.paidAt) > now().getTime()) {
        throw new LiftwatchError('LW_ERR_VALIDATION', 'paidAt: must not be in the future');
      }
      const day = shanghaiDate(Date.parse(claim.occurredAt));
      const policy = store.policies.covering(claim.elevator, day);
      if (!policy || (principal.kind === 'insurer' && policy.insurer !== principal.id)) {
        const whose = principal.kind === 'insurer' ? ` of ${principal.id}` : '';
        throw new LiftwatchError(
          'LW_ERR_NOT_INSURED',
          `occurredAt: no policy${whose} covers ${claim.elevator} on ${day}`,
        );
      }
      return { ...claim, policy: policy.id };
    },
    storeAll: (claims) => store.claims.addMany(claims, now()),
  };
}

export function satisfactionKind(
  store: Store,
  now: () => Date,
): RecordKind<SatisfactionInput, SatisfactionInput, Satisfaction> {
  return {
    schema: satisfactionInputSchema,
    columns: SATISFACTION_CSV_COLUMNS,
    prepare(result) {
      const { district, useUnit, period } = result;
      if (store.elevators.list({ limit: 1, district }).items.length === 0) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `district: no elevator is registered in ${district}`);
      }
      if (useUnit !== undefined && store.elevators.list({ limit: 1, district }, { useUnit }).items.length === 0) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `useUnit: ${useUnit} has no elevator in ${district}`);
      }
      if ((surveyPeriodStart(period) ?? '') > shanghaiDate(now().getTime())) {
        throw new LiftwatchError('LW_ERR_VALIDATION', `period: ${period} has not begun`);
      }
      return result;
    },
    storeAll: (results) => store.satisfaction.addMany(results, now()),
  };
}

/** One record through the same checks as an import row; its error is thrown. */
export function enterOne<Input, Ready, Stored extends { id: string }>(
  kind: RecordKind<Input, Ready, Stored>,
  input: Input,
): Stored {
  const [result] = kind.storeAll([kind.prepare(input)]);
  if (result instanceof LiftwatchError) throw result;
  return result as Stored;
}
