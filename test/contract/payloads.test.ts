import { describe, expect, it } from 'vitest';
import {
  FAULT_CODES,
  FAULT_CODE_VALUES,
  TOPIC_KINDS,
  decodePayload,
  faultInfo,
  payloadSchemas,
  type TopicKind,
} from '../../contract/index.js';

const ts = '2026-11-25T08:00:00+08:00';
const tsMs = Date.parse(ts);

/** For each kind: samples that must pass and samples that must fail, with the reason. */
const samples: Record<TopicKind, { valid: unknown[]; invalid: Array<[unknown, RegExp]> }> = {
  telemetry: {
    valid: [
      { ts, seq: 1, mode: 1, floor: 3, direction: 0, doorState: 2, runs: 10, runSeconds: 300, doorCycles: 12 },
      {
        ts: tsMs,
        seq: 0,
        mode: 2,
        floor: -2,
        direction: 1,
        doorState: 6,
        occupied: true,
        loadPct: 55.5,
        speedMps: 1.75,
        runs: 0,
        runSeconds: 0,
        doorCycles: 0,
        ropeBends: 9,
      },
    ],
    invalid: [
      [{ ts, seq: 1, mode: 8, floor: 3, direction: 0, doorState: 2, runs: 1, runSeconds: 1, doorCycles: 1 }, /mode/],
      [{ ts, seq: 1, mode: 1, floor: 3, direction: 0, doorState: 2, runs: -1, runSeconds: 1, doorCycles: 1 }, /runs/],
      [{ ts, seq: 1, mode: 1, floor: 1.5, direction: 0, doorState: 2, runs: 1, runSeconds: 1, doorCycles: 1 }, /floor/],
      [{ seq: 1, mode: 1, floor: 3, direction: 0, doorState: 2, runs: 1, runSeconds: 1, doorCycles: 1 }, /ts/],
    ],
  },
  faults: {
    valid: [
      { ts, seq: 5, code: 93, floor: 7 },
      { ts: tsMs, seq: 6, code: 100, floor: 1, detail: 'landing door 1 contact' },
    ],
    invalid: [
      [{ ts, seq: 5, code: 99, floor: 7 }, /unknown fault code/],
      [{ ts, seq: 5, code: 93 }, /floor/],
      [{ ts, seq: 5, code: 2, floor: 1, detail: 'line\nbreak' }, /control characters/],
      [{ ts: '2026-11-25 08:00', seq: 5, code: 2, floor: 1 }, /ts/],
    ],
  },
  doors: {
    valid: [{ ts, seq: 7, floor: 1, openMs: 3000, closeMs: 3100, reopens: 2, obstructed: true }],
    invalid: [
      [{ ts, seq: 7, floor: 1, openMs: 3000, closeMs: 3100, reopens: 2, obstructed: 'yes' }, /obstructed/],
      [{ ts, seq: 7, floor: 1, openMs: -1, closeMs: 3100, reopens: 0, obstructed: false }, /openMs/],
    ],
  },
  maintenance: {
    valid: [
      { ts, seq: 8, action: 'checkin', technician: 'T-007', contractor: 'MC-OTIS', kind: 'half-monthly' },
      {
        ts,
        seq: 9,
        action: 'checkout',
        technician: '张工',
        contractor: 'MC-OTIS',
        kind: 'annual',
        items: ['brake', 'door lock'],
      },
    ],
    invalid: [
      [{ ts, seq: 8, action: 'arrive', technician: 'T', contractor: 'C', kind: 'annual' }, /action/],
      [{ ts, seq: 8, action: 'checkin', technician: '', contractor: 'C', kind: 'annual' }, /technician/],
      [{ ts, seq: 8, action: 'checkin', technician: 'T', contractor: 'C', kind: 'weekly' }, /kind/],
    ],
  },
  online: {
    valid: [1, 0, { ts, seq: 3, online: 1 }],
    invalid: [
      [2, /Invalid/],
      [{ online: 1 }, /Invalid/],
      [{ ts, seq: 3, online: 2 }, /Invalid/],
    ],
  },
};

describe('payload schemas', () => {
  it('cover every topic kind', () => {
    expect(Object.keys(payloadSchemas).sort()).toEqual([...TOPIC_KINDS].sort());
  });

  for (const kind of TOPIC_KINDS) {
    describe(kind, () => {
      it.each(samples[kind].valid.map((sample) => [JSON.stringify(sample)]))('accepts %s', (raw) => {
        const result = decodePayload(kind, Buffer.from(raw));
        expect(result).toMatchObject({ ok: true, message: { kind } });
      });
      it.each(samples[kind].invalid.map(([sample, reason]) => [JSON.stringify(sample), reason]))(
        'refuses %s',
        (raw, reason) => {
          const result = decodePayload(kind, Buffer.from(raw));
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason).toMatch(reason);
        },
      );
    });
  }

  it('parses ts from ISO 8601 with offset and from epoch ms to the same instant', () => {
    const iso = decodePayload('faults', JSON.stringify({ ts, seq: 1, code: 2, floor: 1 }));
    const epoch = decodePayload('faults', JSON.stringify({ ts: tsMs, seq: 1, code: 2, floor: 1 }));
    expect(iso.ok && iso.message.kind === 'faults' && iso.message.payload.ts).toBe(tsMs);
    expect(epoch.ok && epoch.message.kind === 'faults' && epoch.message.payload.ts).toBe(tsMs);
  });

  it('refuses a payload that is not JSON', () => {
    expect(decodePayload('telemetry', Buffer.from('{"ts":'))).toEqual({
      ok: false,
      reason: 'payload is not valid JSON',
    });
  });

  it('refuses timestamps outside 2000-2100 (a device clock fault)', () => {
    const result = decodePayload('faults', JSON.stringify({ ts: 1000, seq: 1, code: 2, floor: 1 }));
    expect(result.ok).toBe(false);
  });
});

describe('fault-code table', () => {
  it('has the codes of DESIGN.md with severity and category', () => {
    expect(FAULT_CODE_VALUES).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 40, 41, 42, 43, 44, 45, 46, 47, 90, 91, 92, 93, 100, 101, 102, 103, 104, 105,
    ]);
    expect(faultInfo(93)).toMatchObject({ severity: 'critical', category: 'hazard' });
    expect(faultInfo(41)).toMatchObject({ category: 'external' });
    expect(faultInfo(43)).toMatchObject({ severity: 'info', category: 'mode' });
    expect(faultInfo(90)).toMatchObject({ category: 'alarm' });
    for (const code of [5, 91, 92, 93, 101]) expect(faultInfo(code as 5).severity).toBe('critical');
    for (const info of FAULT_CODES.values()) expect(info.nameZh.length).toBeGreaterThan(0);
  });
});
