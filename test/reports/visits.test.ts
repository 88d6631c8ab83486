import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { DEFAULT_MIN_VISIT_MINUTES } from '../../contract/index.js';
import { pairVisits } from '../../reports/visits.js';
import { registration } from '../helpers/fixtures.js';

const MINUTE_MS = 60_000;
const T0 = Date.UTC(2026, 9, 1, 2);
const elevator = { ...registration('P1'), registeredAt: new Date(T0).toISOString() };
const message = (action: 'checkin' | 'checkout', minutes: number) => ({
  time: T0 + minutes * MINUTE_MS,
  action,
  technician: '李工',
  visitContractor: 'MC-OTIS',
  kind: 'repair',
  items: null,
});

describe('pairVisits', () => {
  it('leaves a check-in followed by another check-in open, and drops a check-out with no check-in', () => {
    const rows = [message('checkout', 0), message('checkin', 10), message('checkin', 20), message('checkout', 45)];
    const visits = pairVisits(elevator, rows, T0 + 60 * MINUTE_MS, DEFAULT_MIN_VISIT_MINUTES);
    expect(visits.map((visit) => [visit.status, visit.durationMinutes, visit.items])).toEqual([
      ['open', null, []],
      ['closed', 25, []],
    ]);
  });

  it('keeps visits checked in before `to` only, closing them with a check-out after it', () => {
    const rows = [message('checkin', 0), message('checkout', 30), message('checkin', 40)];
    const visits = pairVisits(elevator, rows, T0 + 20 * MINUTE_MS, DEFAULT_MIN_VISIT_MINUTES);
    expect(visits).toEqual([expect.objectContaining({ status: 'closed', durationMinutes: 30 })]);
  });
});

describe('LW_MIN_VISIT_MINUTES', () => {
  it('defaults to 20 minutes, takes a whole number of minutes, refuses 0', () => {
    expect(loadConfig({}).maintenance.minVisitMinutes).toBe(DEFAULT_MIN_VISIT_MINUTES);
    expect(loadConfig({ LW_MIN_VISIT_MINUTES: '30' }).maintenance.minVisitMinutes).toBe(30);
    expect(() => loadConfig({ LW_MIN_VISIT_MINUTES: '0' })).toThrow(/LW_MIN_VISIT_MINUTES/);
  });
});
