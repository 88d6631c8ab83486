import { shanghaiClock } from '../lib/shanghai.js';

/**
 * Building profiles: how many floors, how many trips a day, and how the trips spread over the
 * hours of a day in Asia/Shanghai (China has no daylight saving: local time is UTC+8).
 */

export const PROFILE_NAMES = ['residential', 'office', 'hospital', 'mall'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface BuildingProfile {
  readonly floors: readonly [min: number, max: number];
  readonly dailyTrips: readonly [min: number, max: number];
  /** Relative trip weight for each local hour 0-23. */
  readonly hourly: readonly number[];
  /** Trip multiplier on Saturday and Sunday. */
  readonly weekendFactor: number;
  /** Rated speed, m/s. */
  readonly speedMps: readonly [min: number, max: number];
  /**
   * Door faults (2, 3, 104, 105) its passengers cause per 1,000 door cycles on a typical lift:
   * doors held for a neighbour, blocked by a trolley, a bed, a pram. Each lift's own passengers
   * make it more or less (ElevatorPlan.passengers).
   */
  readonly doorFaultsPer1000Cycles: number;
  /** Days a year of passenger abuse, vandalism or moving house on a typical lift: a burst of door faults. */
  readonly abuseDaysPerYear: number;
}

export const PROFILES: Readonly<Record<ProfileName, BuildingProfile>> = {
  residential: {
    floors: [6, 33],
    dailyTrips: [200, 500],
    // morning rush out 7-9, evening back 17-21, quiet nights
    hourly: [1, 0.5, 0.3, 0.3, 0.4, 1, 4, 9, 8, 4, 3, 3, 4, 3, 3, 3, 4, 7, 9, 8, 6, 4, 3, 2],
    weekendFactor: 1.1,
    speedMps: [1.0, 2.5],
    doorFaultsPer1000Cycles: 0.45,
    abuseDaysPerYear: 1,
  },
  office: {
    floors: [10, 40],
    dailyTrips: [600, 1500],
    // arrivals 8-9, lunch 12-13, leaving 17-18
    hourly: [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 3, 10, 7, 5, 5, 8, 7, 5, 5, 6, 9, 6, 3, 2, 1, 0.5, 0.3],
    weekendFactor: 0.2,
    speedMps: [1.75, 4.0],
    doorFaultsPer1000Cycles: 0.06,
    abuseDaysPerYear: 0.15,
  },
  hospital: {
    floors: [5, 20],
    dailyTrips: [800, 2000],
    // busy all day from 7 to 19, never idle at night
    hourly: [2, 1.5, 1.5, 1.5, 1.5, 2, 4, 7, 9, 9, 9, 8, 7, 8, 9, 9, 8, 7, 5, 4, 3, 3, 2, 2],
    weekendFactor: 0.8,
    speedMps: [1.0, 2.0],
    doorFaultsPer1000Cycles: 0.25,
    abuseDaysPerYear: 0.5,
  },
  mall: {
    floors: [3, 8],
    dailyTrips: [500, 1200],
    // open 10-22, busiest in the afternoon and evening
    hourly: [0.1, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 2, 5, 6, 7, 7, 8, 8, 8, 8, 9, 9, 8, 6, 2, 0.5],
    weekendFactor: 1.5,
    speedMps: [1.0, 1.75],
    doorFaultsPer1000Cycles: 0.15,
    abuseDaysPerYear: 0.8,
  },
};

const HOURS_PER_DAY = 24;

/**
 * How busy a lift of this profile is in the local hour holding `epochMs`, against its weekday
 * average hour (1: average; a weekend scales by `weekendFactor`, the profile's unless given).
 */
export function hourlyUsage(profile: BuildingProfile, epochMs: number, weekendFactor = profile.weekendFactor): number {
  const { hour, weekend } = shanghaiClock(epochMs);
  const total = profile.hourly.reduce((sum, weight) => sum + weight, 0);
  return (((profile.hourly[hour] ?? 0) * HOURS_PER_DAY) / total) * (weekend ? weekendFactor : 1);
}

/** Expected trips in one minute for an elevator making `dailyTrips` on a weekday. */
export function tripsPerMinute(profile: BuildingProfile, dailyTrips: number, epochMs: number): number {
  return (dailyTrips * hourlyUsage(profile, epochMs)) / (HOURS_PER_DAY * 60);
}
