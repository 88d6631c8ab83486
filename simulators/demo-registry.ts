import type { ElevatorRegistration } from '../contract/index.js';
import { Random } from './random.js';

const DISTRICTS = ['渝中区', '江北区', '沙坪坝区', '九龙坡区', '南岸区'] as const;
const INSURERS = ['INS-PICC', 'INS-CPIC', 'INS-PINGAN'] as const;
const CONTRACTORS = ['MC-OTIS', 'MC-KONE', 'MC-LOCAL-1', 'MC-LOCAL-2'] as const;
const INSTALL_YEARS = { first: 2003, last: 2024 } as const;
const RESIDENTS = { min: 40, max: 400 } as const;
const ELEVATORS_PER_USE_UNIT = 4;

export const demoElevatorId = (prefix: string, index: number) => `${prefix}-${String(index + 1).padStart(6, '0')}`;

/** Registry rows for demo elevators; the same seed and index give the same row. */
export function demoRegistration(prefix: string, index: number, seed: number): ElevatorRegistration {
  const random = new Random(seed ^ Math.imul(index + 1, 0x9e3779b1));
  const year = random.int(INSTALL_YEARS.first, INSTALL_YEARS.last);
  const month = String(random.int(1, 12)).padStart(2, '0');
  return {
    id: demoElevatorId(prefix, index),
    district: random.pick(DISTRICTS),
    useUnit: `UU-${String(Math.floor(index / ELEVATORS_PER_USE_UNIT) + 1).padStart(5, '0')}`,
    insurer: random.pick(INSURERS),
    contractor: random.pick(CONTRACTORS),
    installedOn: `${year}-${month}-01`,
    residentsServed: random.int(RESIDENTS.min, RESIDENTS.max),
  };
}
