import type { Policy, PolicyInput } from '../../contract/index.js';
import type { Store } from '../../store/types.js';
import { registration } from './fixtures.js';

/** The report date the pilot fleet's hand-computed ages are counted to. */
export const FLEET_AS_OF = '2026-12-01';

const at = (local: string) => `${local}+08:00`;

/**
 * A small fleet for the 2026 pilot report, entered through the store (so claims paid after
 * today can be entered too). The tests work every cell of both tables out by hand from it.
 *
 * 渝中区: A1 (16 on the report date, its birthday), A2 (turns 10 the day after), A3 (born 29 Feb);
 * 江北区: B1 insured, B2 insured only until 2025, B3 never insured.
 */
export function seedPilotFleet(store: Store): void {
  const elevators = [
    registration('A1', { useUnit: 'UU-A', installedOn: '2010-12-01', residentsServed: 180 }),
    registration('A2', { useUnit: 'UU-A', insurer: 'INS-CPIC', installedOn: '2016-12-02', residentsServed: 60 }),
    registration('A3', { useUnit: 'UU-B', installedOn: '2020-02-29', residentsServed: 0 }),
    registration('B1', { district: '江北区', useUnit: 'UU-C', installedOn: '2000-01-15', residentsServed: 300 }),
    registration('B2', { district: '江北区', useUnit: 'UU-D', installedOn: '2005-05-05' }),
    registration('B3', { district: '江北区', useUnit: 'UU-D', installedOn: '2006-06-06' }),
  ];
  for (const elevator of elevators) store.elevators.register(elevator, 'hash');

  const now = new Date();
  const policy = (
    elevator: string,
    insurer: string,
    from: string,
    to: string,
    premiumYuan: number,
    premiumSource: PolicyInput['premiumSource'],
  ) => ({ elevator, insurer, from, to, premiumYuan, premiumSource });
  const stored = store.policies.addMany(
    [
      policy('A1', 'INS-PICC', '2025-01-01', '2025-12-31', 1400, 'self-funded'),
      policy('A1', 'INS-PICC', '2026-01-01', '2026-12-31', 1500, 'property-special-maintenance-fund'),
      policy('A2', 'INS-CPIC', '2025-07-01', '2026-06-30', 1200, 'fund-interest'),
      policy('A2', 'INS-CPIC', '2026-07-01', '2027-06-30', 1300, 'government'),
      policy('A3', 'INS-PICC', '2026-03-01', '2027-02-28', 980.5, 'self-funded'),
      policy('B1', 'INS-PICC', '2026-01-01', '2026-12-31', 2000, 'community-public-income'),
      policy('B2', 'INS-PICC', '2024-01-01', '2025-12-31', 900, 'donation'),
    ],
    now,
  ) as Policy[];
  const policyOf = (elevator: string, day: string) =>
    stored.find((p) => p.elevator === elevator && p.from <= day && p.to >= day)?.id as string;
  const claim = (elevator: string, amountYuan: number, occurred: string, reported: string, paid: string) => ({
    elevator,
    amountYuan,
    occurredAt: at(occurred),
    reportedAt: at(reported),
    paidAt: at(paid),
    policy: policyOf(elevator, occurred.slice(0, 10)),
  });
  store.claims.addMany(
    [
      // A1: 54.5 h, 12.1 h, and an accident of 2025 paid ten minutes into 2026 (38.2 h).
      claim('A1', 12345.67, '2026-03-01T08:00:00', '2026-03-01T10:00:00', '2026-03-03T16:30:00'),
      claim('A1', 8000, '2026-05-10T07:00:00', '2026-05-10T08:00:00', '2026-05-10T20:06:00'),
      claim('A1', 1000, '2025-12-30T08:00:00', '2025-12-30T10:00:00', '2026-01-01T00:10:00'),
      // A2: paid half an hour into 2027, so not in 2026.
      claim('A2', 3000, '2026-12-20T09:00:00', '2026-12-20T10:00:00', '2027-01-01T00:30:00'),
      // A3: paid the moment it was reported.
      claim('A3', 50000, '2026-06-01T09:00:00', '2026-06-01T09:30:00', '2026-06-01T09:30:00'),
      // B2: paid in 2025, its last insured year.
      claim('B2', 700, '2025-02-01T09:00:00', '2025-02-01T10:00:00', '2025-02-03T10:00:00'),
    ],
    now,
  );
  store.satisfaction.addMany(
    [
      { district: '渝中区', period: '2026-H1', percent: 90 },
      { district: '渝中区', period: '2026-H2', percent: 95 },
      { district: '渝中区', useUnit: 'UU-A', period: '2026', percent: 60 },
      { district: '渝中区', period: '2025', percent: 50 },
      { district: '江北区', useUnit: 'UU-C', period: '2026', percent: 80 },
      { district: '江北区', useUnit: 'UU-D', period: '2026-Q2', percent: 71.5 },
    ],
    now,
  );
}
