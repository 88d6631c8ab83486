import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doorFaultsRecurring, levellingRecurring } from '../../rules/catalogue/detectors.js';
import { putOverride } from '../../rules/config.js';
import type { TruthRecord } from '../../simulators/truth.js';
import { openScratchStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { runCli } from '../helpers/cli.js';
import { registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-shadow-report-test';
const at = (iso: string) => Date.parse(`${iso}Z`);
const RULE = doorFaultsRecurring.id;

let store: Store;
let app: FastifyInstance;
let env: Record<string, string>;

const wouldOpen = (elevator: string, when: number, rule = RULE) => ({
  elevator: store.elevators.get(elevator) as NonNullable<ReturnType<Store['elevators']['get']>>,
  rule,
  ruleVersion: 2,
  configVersion: 1,
  severity: 'minor' as const,
  category: 'hazard' as const,
  title: 'Door faults rising',
  external: false,
  deadlineAt: null,
  occurrences: [{ at: when, seq: when / 1000, code: 2, floor: 1, external: false }],
});

/** A live ticket opened at `opened`, closed at `closed` by `by` (resolve or false-alarm), or left open. */
function live(elevator: string, opened: string, close?: { at: string; action: 'resolve' | 'false-alarm' }) {
  const { ticket } = store.tickets.record(wouldOpen(elevator, at(opened)), new Date(at(opened)));
  if (close) store.tickets.transition(ticket.id, close.action, 'insurer:INS-PICC', null, new Date(at(close.at)));
}

function shadow(elevator: string, opened: string, fadedAt?: string, rule = RULE) {
  store.shadows.record(wouldOpen(elevator, at(opened), rule), new Date(at(opened)));
  if (fadedAt) store.shadows.resolveActive(elevator, rule, 'No renewed rise in 14 days', new Date(at(fadedAt)));
}

beforeAll(async () => {
  store = openScratchStore();
  for (const id of ['E1', 'E2', 'E3', 'E4']) store.elevators.register(registration(id), 'h');
  putOverride(
    store.ruleConfigs,
    doorFaultsRecurring,
    { scope: 'default', scopeId: '', config: { shadow: { falseAlarmYears: 20 } }, createdBy: 'admin' },
    new Date(),
  );
  // E1: the shadow warned 36 h before the live ticket, which a person resolved (a repair).
  shadow('E1', '2026-03-09T00:00:00', '2026-03-25T00:00:00');
  live('E1', '2026-03-10T12:00:00', { at: '2026-03-12T00:00:00', action: 'resolve' });
  // E2: the live ticket, a false alarm, came 12 h before the shadow's, which is still open.
  live('E2', '2026-03-05T00:00:00', { at: '2026-03-06T00:00:00', action: 'false-alarm' });
  shadow('E2', '2026-03-05T12:00:00');
  // E3: only the shadow (and one before the period, which does not count).
  shadow('E3', '2026-02-20T00:00:00', '2026-02-25T00:00:00');
  shadow('E3', '2026-03-20T00:00:00', '2026-03-28T00:00:00');
  // E4: only the live rule, resolved by a person; and one after the period.
  live('E4', '2026-03-15T00:00:00', { at: '2026-03-16T00:00:00', action: 'resolve' });
  live('E4', '2026-04-05T00:00:00');
  // Another rule's shadow record, in the period.
  shadow('E1', '2026-03-11T00:00:00', undefined, levellingRecurring.id);
  app = await buildTestApi(store, ADMIN);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  env = { LW_API_URL: url, LW_ADMIN_TOKEN: ADMIN, LW_DATA_DIR: tempDir() };
});
afterAll(async () => {
  await app?.close();
  store?.close();
});

const PERIOD = ['--from', '2026-03-01T00:00:00Z', '--to', '2026-04-01T00:00:00Z'];

async function run(args: string[]) {
  const cli = runCli(['rules', 'shadow-report', ...args], env);
  const code = await cli.exited();
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('liftwatch rules shadow-report', () => {
  it('compares a rule in shadow with its live tickets: coinciding, shadow only, live only, lead', async () => {
    const { code, stdout, stderr } = await run([...PERIOD, '--rule', RULE, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      rules: [
        {
          rule: RULE,
          wouldOpen: 3,
          liveTickets: 3,
          coinciding: 2,
          coincidingLive: { real: 1, falseAlarm: 1, unconfirmed: 0 },
          shadowOnly: 1,
          liveOnly: 1,
          liveOnlyOutcomes: { real: 1, falseAlarm: 0, unconfirmed: 0 },
          medianLeadHours: 12,
        },
      ],
    });
  });

  it('without --rule, reports each rule in shadow (by its override or its records), as a table', async () => {
    const { code, stdout } = await run(PERIOD);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^rules shadow-report: 2 rules in shadow from 2026-03-01T00:00:00.000Z/);
    expect(stdout).toMatch(/door-faults-recurring\s+3\s+2 \(1\/1\/0\)\s+1\s+3\s+1 \(1\/0\/0\)\s+\+12 h/);
    expect(stdout).toMatch(/levelling-recurring\s+1\s+0 \(0\/0\/0\)\s+1\s+0\s+0 \(0\/0\/0\)\s+n\/a/);
  });

  it('with a ground truth, scores both sides as liftwatch score does', async () => {
    const truth: TruthRecord = {
      elevator: 'E1',
      scenario: 'door-operator',
      category: 'degradation',
      onset: '2026-03-01T00:00:00.000Z',
      minorPhaseStart: '2026-03-01T00:00:00.000Z',
      failure: '2026-03-14T00:00:00.000Z',
      end: null,
      fixed: false,
      fixedAt: null,
      status: 'failed',
      codes: [2, 3],
      external: false,
    };
    const file = path.join(tempDir(), 'truth.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(truth)}\n`);
    const { code, stdout } = await run([...PERIOD, '--rule', RULE, '--truth', file, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).rules[0].truth).toEqual({
      shadow: { tickets: 3, truePositives: 1, falsePositives: 2, recall: 1, medianLeadHours: 120 },
      live: { tickets: 3, truePositives: 1, falsePositives: 2, recall: 1, medianLeadHours: 84 },
    });
    const table = await run([...PERIOD, '--rule', RULE, '--truth', file]);
    expect(table.stdout).toMatch(
      /against the truth, shadow 3 tickets, 1 true, 2 false, recall 100.0%, median lead 120 h/,
    );
    expect(table.stdout).toMatch(
      /against the truth, live {3}3 tickets, 1 true, 2 false, recall 100.0%, median lead 84 h/,
    );
  });

  it('refuses a period that ends before it starts, an unknown rule and a truth file that is not one', async () => {
    const backwards = await run(['--from', '2026-04-01T00:00:00Z', '--to', '2026-03-01T00:00:00Z']);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--to must come after --from/);
    const unknown = await run([...PERIOD, '--rule', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/404/);
    const file = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(file, '{"elevator":1}\n');
    const bad = await run([...PERIOD, '--truth', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--truth: .*bad.jsonl:1 is not a truth record/);
  });
});

describe('GET /api/rules/shadow-report', () => {
  it("is the admin's, and gives what the command gives", async () => {
    const query = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z';
    const headers = { authorization: `Bearer ${ADMIN}` };
    expect((await app.inject({ url: `/api/rules/shadow-report?${query}` })).statusCode).toBe(401);
    const response = await app.inject({ url: `/api/rules/shadow-report?${query}`, headers });
    expect(response.statusCode, response.body).toBe(200);
    const { stdout } = await run([...PERIOD, '--json']);
    expect(response.json()).toEqual(JSON.parse(stdout));
    expect(response.json().rules.map((rule: { rule: string }) => rule.rule)).toEqual([RULE, levellingRecurring.id]);
    const one = await app.inject({ url: `/api/rules/shadow-report?${query}&rule=${RULE}`, headers });
    expect(one.json().rules).toMatchObject([{ rule: RULE, wouldOpen: 3, medianLeadHours: 12 }]);
    const backwards = 'from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z';
    expect((await app.inject({ url: `/api/rules/shadow-report?${backwards}`, headers })).statusCode).toBe(400);
    expect((await app.inject({ url: `/api/rules/shadow-report?${query}&rule=nope`, headers })).statusCode).toBe(404);
  });
});

describe('GET /api/rules/shadows', () => {
  it("is the admin's: the records of a rule opened before a time, page by page", async () => {
    const url = `/api/rules/shadows?rule=${RULE}&to=2026-03-10T00:00:00Z&limit=1`;
    expect((await app.inject({ url })).statusCode).toBe(401);
    const page = (await app.inject({ url, headers: { authorization: `Bearer ${ADMIN}` } })).json();
    expect(page.items.map((record: { elevator: string }) => record.elevator)).toEqual(['E1']);
    const rest = (
      await app.inject({ url: `${url}&after=${page.next}`, headers: { authorization: `Bearer ${ADMIN}` } })
    ).json();
    expect(
      rest.items.map((record: { elevator: string; openedAt: string }) => [record.elevator, record.openedAt]),
    ).toEqual([['E2', '2026-03-05T12:00:00.000Z']]);
  });
});
