import { hashSecret, generateSecret } from '../store/credentials.js';
import { elevatorId, planElevator } from '../simulators/model/plan.js';
import { resolveScenario, type Scenario } from '../simulators/scenario.js';
import type { ElevatorRegistration } from '../contract/index.js';
import type { Store } from '../store/types.js';

/** The same seed every run: the same fleet and the same traffic. */
const SEED = 9;
/**
 * Simulated time starts at a fixed morning (Shanghai), whatever the wall clock says, so the
 * door traffic (which follows the hour) is the same in every run; each payload's `ts` is the
 * moment its gateway sends it, so lag is measured against the wall clock.
 */
const SIMULATED_FROM = '2026-06-01T08:00:00+08:00';
/** One critical probe fault this often: enough tickets in 10 minutes (300) for a p99. */
export const PROBE_INTERVAL_MS = 2000;
const MS_PER_MINUTE = 60_000;
/** Rows per registry transaction: a million rows in one would hold their objects all at once. */
const REGISTER_CHUNK = 50_000;

/** How the city is cut up: elevators behind gateways, gateways shared out among load generators. */
export interface CityPlan {
  readonly elevators: number;
  readonly minutes: number;
  readonly gatewaySize: number;
  readonly gateways: number;
  readonly generators: number;
  readonly probes: number;
}

export function cityPlan(elevators: number, minutes: number, gatewaySize: number, generators: number): CityPlan {
  const probes = Math.floor((minutes * MS_PER_MINUTE) / PROBE_INTERVAL_MS);
  return { elevators, minutes, gatewaySize, gateways: Math.ceil(elevators / gatewaySize), generators, probes };
}

export const cityScenario = (plan: CityPlan): Scenario =>
  resolveScenario({
    name: 'city-traffic',
    seed: SEED,
    from: SIMULATED_FROM,
    duration: `${plan.minutes}m`,
    speed: 1,
    fleet: { elevators: plan.elevators },
  });

export const gatewayId = (index: number) => `GW-${String(index + 1).padStart(6, '0')}`;
export const probeId = (index: number) => elevatorId('PROBE', index);
/** Elevators are grouped by building: consecutive indices share a gateway. */
export const gatewayOfElevator = (plan: CityPlan, index: number) => Math.floor(index / plan.gatewaySize);
/** Probe elevators are spread over the gateways, so every generator sends some. */
export const gatewayOfProbe = (plan: CityPlan, index: number) => index % plan.gateways;
export const generatorOfGateway = (plan: CityPlan, gateway: number) => gateway % plan.generators;

/**
 * Registers the city straight into the store before liftwatch starts (a city is provisioned in
 * bulk, not by 300k API calls). Every gateway gets the same token, hashed once: hashing each
 * (2 ms of scrypt) would add minutes before the run and change nothing the broker does, which
 * verifies each gateway's token at connect all the same. Elevators never connect themselves,
 * so theirs is a hash of a secret thrown away.
 */
export async function provisionCity(store: Store, plan: CityPlan, gatewayToken: string): Promise<void> {
  const gatewayHash = await hashSecret(gatewayToken);
  const gateways = Array.from({ length: plan.gateways }, (_, g) => ({
    input: { id: gatewayId(g), name: `building ${g + 1}` },
    tokenHash: gatewayHash,
  }));
  store.gateways.createMany(gateways);
  const tokenHash = await hashSecret(generateSecret());
  const scenario = cityScenario(plan);
  const register = (registrations: ElevatorRegistration[]) => {
    const { taken, unknownGateway } = store.elevators.registerMany(
      registrations.map((registration) => ({ registration, tokenHash })),
    );
    if (taken.length + unknownGateway.length > 0) throw new Error('the city registry was not empty');
  };
  for (let from = 0; from < plan.elevators; from += REGISTER_CHUNK) {
    const to = Math.min(from + REGISTER_CHUNK, plan.elevators);
    register(
      Array.from({ length: to - from }, (_, k) => ({
        ...planElevator(scenario, from + k).registration,
        gateway: gatewayId(gatewayOfElevator(plan, from + k)),
      })),
    );
  }
  const template = planElevator(scenario, 0).registration;
  register(
    Array.from({ length: plan.probes }, (_, k) => ({
      ...template,
      id: probeId(k),
      gateway: gatewayId(gatewayOfProbe(plan, k)),
    })),
  );
}
