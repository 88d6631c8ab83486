import {
  FEN_PER_YUAN,
  PREMIUM_SOURCES,
  type DistrictSummary,
  type InsuredElevatorRow,
  type PilotReport,
  type Policy,
  type PremiumSource,
  type Satisfaction,
} from '../contract/index.js';
import { shanghaiYear } from '../lib/shanghai.js';
import type { Store } from '../store/types.js';

/**
 * The yearly pilot report, computed from the registry, the policies, the claims and the surveys.
 *
 * - An elevator is insured in the year when one of its policies overlaps the calendar year (its
 *   first day on or before 31 December, its last on or after 1 January). Its policy of the year
 *   is the latest-starting of those: the insurer, premium and premium source come from it.
 * - Claims of the year are those paid in it (Asia/Shanghai), of the insured elevators.
 * - Attachment 1 sums Attachment 2 up per district, so the two tables always agree.
 */

const YUAN_PER_WAN = 10_000;
const HOUR_MS = 3_600_000;
/** Hours to pay and satisfaction are given to a tenth. */
const TENTHS = 10;

const roundToTenth = (value: number) => Math.round(value * TENTHS) / TENTHS;
/** Fen to 万元, rounded to the yuan (four decimals). */
const fenToWanYuan = (fen: number) => Math.round(fen / FEN_PER_YUAN) / YUAN_PER_WAN;
const distinct = <T>(values: readonly T[]) => [...new Set(values)];

/** Map.groupBy, which Node 20 lacks. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whole years from one date to another (`YYYY-MM-DD`), as a birthday counts them; never negative. */
export function fullYears(from: string, to: string): number {
  const years = Number(to.slice(0, 4)) - Number(from.slice(0, 4)) - (to.slice(5) < from.slice(5) ? 1 : 0);
  return Math.max(0, years);
}

interface Insured {
  readonly row: InsuredElevatorRow;
  readonly source: PremiumSource;
  readonly claimsFen: number;
}

/** The mean of the district's own surveys of the year, else of its use units'; null without either. */
function districtSatisfaction(results: readonly Satisfaction[], district: string): number | null {
  const ofDistrict = results.filter((result) => result.district === district);
  const whole = ofDistrict.filter((result) => result.useUnit === null);
  const used = whole.length > 0 ? whole : ofDistrict;
  if (used.length === 0) return null;
  return roundToTenth(used.reduce((sum, result) => sum + result.percent, 0) / used.length);
}

function summarise(district: string, insured: readonly Insured[], satisfaction: readonly Satisfaction[]) {
  const premiums = insured.map(({ row }) => row.premiumYuan);
  const sources = new Set(insured.map(({ source }) => source));
  const summary: DistrictSummary = {
    district,
    premiumSources: PREMIUM_SOURCES.filter((source) => sources.has(source)),
    insuredElevators: insured.length,
    useUnits: distinct(insured.map(({ row }) => row.useUnit)).length,
    insurers: distinct(insured.map(({ row }) => row.insurer)).length,
    premiumMinYuan: premiums.reduce((min, premium) => Math.min(min, premium)),
    premiumMaxYuan: premiums.reduce((max, premium) => Math.max(max, premium)),
    claimsPaidWanYuan: fenToWanYuan(insured.reduce((sum, { claimsFen }) => sum + claimsFen, 0)),
    satisfactionPercent: districtSatisfaction(satisfaction, district),
  };
  return summary;
}

export interface PilotReportScope {
  readonly year: number;
  readonly district?: string | undefined;
  /** The report date (`YYYY-MM-DD`, Asia/Shanghai): ages are counted to it. */
  readonly asOf: string;
}

export function buildPilotReport(store: Store, { year, district, asOf }: PilotReportScope): PilotReport {
  // Sorted by elevator and start: the last one of an elevator is its policy of the year.
  const policyOf = new Map<string, Policy>(store.policies.ofYear(year).map((policy) => [policy.elevator, policy]));
  const { start, end } = shanghaiYear(year);
  const claimsOf = groupBy(store.claims.paidBetween(start, end), (claim) => claim.elevator);

  const names = new Map<string, string>();
  const nameOf = (kind: 'insurer' | 'use-unit', id: string) => {
    const key = `${kind}:${id}`;
    let name = names.get(key);
    if (name === undefined) names.set(key, (name = store.principals.get(kind, id)?.name ?? id));
    return name;
  };

  const insured: Insured[] = [];
  for (const [id, policy] of policyOf) {
    const elevator = store.elevators.get(id);
    if (!elevator || (district !== undefined && elevator.district !== district)) continue;
    const claims = claimsOf.get(id) ?? [];
    const claimsFen = claims.reduce((sum, claim) => sum + Math.round(claim.amountYuan * FEN_PER_YUAN), 0);
    const payHours = claims.map((claim) =>
      roundToTenth((Date.parse(claim.paidAt) - Date.parse(claim.reportedAt)) / HOUR_MS),
    );
    insured.push({
      source: policy.premiumSource,
      claimsFen,
      row: {
        district: elevator.district,
        useUnit: elevator.useUnit,
        useUnitName: nameOf('use-unit', elevator.useUnit),
        elevator: id,
        ageYears: fullYears(elevator.installedOn, asOf),
        residentsServed: elevator.residentsServed,
        insurer: policy.insurer,
        insurerName: nameOf('insurer', policy.insurer),
        premiumYuan: policy.premiumYuan,
        claimsWanYuan: fenToWanYuan(claimsFen),
        payHoursMin: payHours.length > 0 ? Math.min(...payHours) : null,
        payHoursMax: payHours.length > 0 ? Math.max(...payHours) : null,
      },
    });
  }
  insured.sort(
    (a, b) =>
      byCodePoint(a.row.district, b.row.district) ||
      byCodePoint(a.row.useUnit, b.row.useUnit) ||
      byCodePoint(a.row.elevator, b.row.elevator),
  );

  const satisfaction = store.satisfaction.ofYear(year);
  const byDistrict = groupBy(insured, ({ row }) => row.district);
  return {
    year,
    district: district ?? null,
    asOf,
    summary: [...byDistrict].map(([name, rows]) => summarise(name, rows, satisfaction)),
    elevators: insured.map(({ row }) => row),
  };
}
