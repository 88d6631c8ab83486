import { describe, expect, it } from 'vitest';
import type { PilotReport, PolicyInput } from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import { registration } from '../helpers/fixtures.js';

const NOW = new Date('2026-11-25T00:00:00Z');

const policy = (elevator: string, from: string, to: string, overrides: Partial<PolicyInput> = {}): PolicyInput => ({
  elevator,
  insurer: 'INS-PICC',
  from,
  to,
  premiumYuan: 1200,
  premiumSource: 'self-funded',
  ...overrides,
});

const codeOf = (result: unknown) => (result instanceof LiftwatchError ? result.code : 'stored');

/** What every store of the pilot report's data must do; run against each implementation. */
export function pilotStoreContract(name: string, open: () => Store) {
  const withFleet = () => {
    const store = open();
    store.elevators.register(registration('E1'), 'h');
    store.elevators.register(registration('E2', { district: '江北区', useUnit: 'UU-2', insurer: 'INS-CPIC' }), 'h');
    return store;
  };

  describe(`${name}: policies`, () => {
    it('stores policies with their premium to the fen, and finds the one covering a day (both ends covered)', () => {
      const store = withFleet();
      const [stored] = store.policies.addMany(
        [policy('E1', '2026-01-01', '2026-12-31', { premiumYuan: 1234.56 })],
        NOW,
      );
      expect(stored).toEqual({
        id: expect.any(String),
        ...policy('E1', '2026-01-01', '2026-12-31', { premiumYuan: 1234.56 }),
        createdAt: NOW.toISOString(),
      });
      expect(store.policies.covering('E1', '2026-01-01')?.premiumYuan).toBe(1234.56);
      expect(store.policies.covering('E1', '2026-12-31')).toBeDefined();
      expect(store.policies.covering('E1', '2027-01-01')).toBeUndefined();
      expect(store.policies.covering('E2', '2026-06-01')).toBeUndefined();
    });

    it('refuses a period overlapping a stored policy or an earlier row of the same batch, storing the others', () => {
      const store = withFleet();
      store.policies.addMany([policy('E1', '2026-01-01', '2026-12-31')], NOW);
      const results = store.policies.addMany(
        [
          policy('E1', '2026-12-31', '2027-12-30'),
          policy('E1', '2027-01-01', '2027-12-31'),
          policy('E2', '2026-03-01', '2027-02-28'),
          policy('E2', '2027-02-01', '2027-03-01'),
        ],
        NOW,
      );
      expect(results.map(codeOf)).toEqual(['LW_ERR_POLICY_OVERLAP', 'stored', 'stored', 'LW_ERR_POLICY_OVERLAP']);
      expect((results[0] as LiftwatchError).message).toMatch(/2026-01-01 to 2026-12-31/);
    });

    it('gives the policies overlapping a year, by elevator and start', () => {
      const store = withFleet();
      store.policies.addMany(
        [
          policy('E2', '2025-07-01', '2026-06-30'),
          policy('E1', '2026-07-01', '2027-06-30'),
          policy('E1', '2025-01-01', '2025-12-31'),
          policy('E1', '2026-01-01', '2026-06-30'),
        ],
        NOW,
      );
      const of = (year: number) => store.policies.ofYear(year).map((p) => `${p.elevator} ${p.from}`);
      expect(of(2026)).toEqual(['E1 2026-01-01', 'E1 2026-07-01', 'E2 2025-07-01']);
      expect(of(2025)).toEqual(['E1 2025-01-01', 'E2 2025-07-01']);
      expect(of(2028)).toEqual([]);
    });

    it('lists with filters and scope, page by page', () => {
      const store = withFleet();
      store.policies.addMany(
        [
          policy('E1', '2025-01-01', '2025-12-31'),
          policy('E1', '2026-01-01', '2026-12-31'),
          policy('E2', '2026-01-01', '2026-12-31', { insurer: 'INS-CPIC' }),
        ],
        NOW,
      );
      const ids = (page: { items: Array<{ elevator: string; from: string }> }) =>
        page.items.map((p) => `${p.elevator} ${p.from}`);
      expect(ids(store.policies.list({ limit: 10, year: 2026 }))).toEqual(['E1 2026-01-01', 'E2 2026-01-01']);
      expect(ids(store.policies.list({ limit: 10, district: '江北区' }))).toEqual(['E2 2026-01-01']);
      expect(ids(store.policies.list({ limit: 10, elevator: 'E1', insurer: 'INS-PICC' }))).toHaveLength(2);
      expect(ids(store.policies.list({ limit: 10 }, { insurer: 'INS-CPIC' }))).toEqual(['E2 2026-01-01']);
      expect(ids(store.policies.list({ limit: 10 }, { useUnit: 'UU-00001' }))).toHaveLength(2);
      const first = store.policies.list({ limit: 2 });
      expect(first.next).not.toBeNull();
      expect(ids(store.policies.list({ limit: 2, after: first.next ?? undefined }))).toEqual(['E2 2026-01-01']);
    });
  });

  describe(`${name}: claims`, () => {
    const withPolicies = () => {
      const store = withFleet();
      const [one, two] = store.policies.addMany(
        [policy('E1', '2026-01-01', '2026-12-31'), policy('E2', '2026-01-01', '2026-12-31', { insurer: 'INS-CPIC' })],
        NOW,
      );
      return { store, policies: [String((one as { id: string }).id), String((two as { id: string }).id)] as const };
    };
    const claim = (elevator: string, policyId: string, paidAt: string, amountYuan = 5000.5) => ({
      elevator,
      policy: policyId,
      amountYuan,
      occurredAt: '2026-03-01T10:00:00+08:00',
      reportedAt: '2026-03-01T12:00:00+08:00',
      paidAt,
    });

    it("stores claims with their policy's insurer, refuses the same accident twice, and finds those paid in a window", () => {
      const { store, policies } = withPolicies();
      const results = store.claims.addMany(
        [
          claim('E1', policies[0], '2026-03-05T09:00:00+08:00'),
          claim('E1', policies[0], '2026-03-06T09:00:00+08:00'),
          claim('E2', policies[1], '2027-01-01T00:30:00+08:00'),
        ],
        NOW,
      );
      expect(results.map(codeOf)).toEqual(['stored', 'LW_ERR_DUPLICATE', 'stored']);
      expect(results[0]).toEqual({
        id: expect.any(String),
        elevator: 'E1',
        amountYuan: 5000.5,
        occurredAt: '2026-03-01T02:00:00.000Z',
        reportedAt: '2026-03-01T04:00:00.000Z',
        paidAt: '2026-03-05T01:00:00.000Z',
        policy: policies[0],
        insurer: 'INS-PICC',
        createdAt: NOW.toISOString(),
      });
      const paid = store.claims.paidBetween(
        Date.parse('2026-01-01T00:00:00+08:00'),
        Date.parse('2027-01-01T00:00:00+08:00'),
      );
      expect(paid.map((c) => c.elevator)).toEqual(['E1']);
    });

    it('lists by year paid (Asia/Shanghai), insurer and district, scoped by key', () => {
      const { store, policies } = withPolicies();
      store.claims.addMany(
        [claim('E1', policies[0], '2026-12-31T23:30:00+08:00'), claim('E2', policies[1], '2027-01-01T00:30:00+08:00')],
        NOW,
      );
      const elevators = (page: { items: Array<{ elevator: string }> }) => page.items.map((c) => c.elevator);
      expect(elevators(store.claims.list({ limit: 10, year: 2026 }))).toEqual(['E1']);
      expect(elevators(store.claims.list({ limit: 10, year: 2027 }))).toEqual(['E2']);
      expect(elevators(store.claims.list({ limit: 10, insurer: 'INS-CPIC' }))).toEqual(['E2']);
      expect(elevators(store.claims.list({ limit: 10, district: '渝中区' }))).toEqual(['E1']);
      expect(elevators(store.claims.list({ limit: 10 }, { insurer: 'INS-PICC' }))).toEqual(['E1']);
      expect(elevators(store.claims.list({ limit: 10 }, { useUnit: 'UU-2' }))).toEqual(['E2']);
      const first = store.claims.list({ limit: 1 });
      expect(elevators(store.claims.list({ limit: 1, after: first.next ?? undefined }))).toEqual(['E2']);
    });
  });

  describe(`${name}: satisfaction`, () => {
    it('stores one result per district or use unit and period, and finds those of a year', () => {
      const store = withFleet();
      const results = store.satisfaction.addMany(
        [
          { district: '渝中区', period: '2026', percent: 92.5 },
          { district: '渝中区', useUnit: 'UU-00001', period: '2026', percent: 88 },
          { district: '渝中区', period: '2026', percent: 90 },
          { district: '江北区', period: '2025-Q4', percent: 80 },
        ],
        NOW,
      );
      expect(results.map(codeOf)).toEqual(['stored', 'stored', 'LW_ERR_DUPLICATE', 'stored']);
      expect(results[0]).toEqual({
        id: expect.any(String),
        district: '渝中区',
        useUnit: null,
        period: '2026',
        percent: 92.5,
        createdAt: NOW.toISOString(),
      });
      expect(store.satisfaction.ofYear(2026).map((s) => s.useUnit)).toEqual([null, 'UU-00001']);
      expect(store.satisfaction.list({ limit: 10, year: 2025 }).items.map((s) => s.district)).toEqual(['江北区']);
      expect(store.satisfaction.list({ limit: 10, useUnit: 'UU-00001' }).items).toHaveLength(1);
      const first = store.satisfaction.list({ limit: 1, district: '渝中区' });
      const second = store.satisfaction.list({ limit: 1, district: '渝中区', after: first.next ?? undefined });
      expect([...first.items, ...second.items].map((s) => s.useUnit)).toEqual([null, 'UU-00001']);
      expect(second.next).toBeNull();
    });
  });

  describe(`${name}: report drafts`, () => {
    const report = (year: number, district: string | null, asOf: string): PilotReport => ({
      year,
      district,
      asOf,
      summary: [],
      elevators: [],
    });

    it('keeps one draft per year and district, replacing it when drafted again', () => {
      const store = open();
      const first = store.reports.putPilot(report(2026, null, '2026-12-01'), NOW);
      const later = new Date(NOW.getTime() + 1000);
      const again = store.reports.putPilot(report(2026, null, '2026-12-02'), later);
      expect(again).toEqual({
        id: first.id,
        year: 2026,
        district: null,
        asOf: '2026-12-02',
        createdAt: later.toISOString(),
        report: report(2026, null, '2026-12-02'),
      });
      const district = store.reports.putPilot(report(2026, '渝中区', '2026-12-01'), NOW);
      store.reports.putPilot(report(2025, null, '2025-12-01'), NOW);
      expect(store.reports.getPilot(district.id)?.report.district).toBe('渝中区');
      expect(store.reports.getPilot('999')).toBeUndefined();
      expect(store.reports.listPilot({ limit: 10, year: 2026 }).items.map((d) => d.district)).toEqual([null, '渝中区']);
      const page = store.reports.listPilot({ limit: 2 });
      expect(page.items[0]).not.toHaveProperty('report');
      expect(store.reports.listPilot({ limit: 2, after: page.next ?? undefined }).items.map((d) => d.year)).toEqual([
        2025,
      ]);
    });
  });
}
