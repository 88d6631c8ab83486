import { describe, expect, it } from 'vitest';
import { decodePayload, type DecodedMessage } from '../../contract/index.js';
import { encodeLine } from '../../influx/line-protocol.js';
import { FIELD_TYPES, messageLine, registryTagSet, toPoint } from '../../ingest/schema.js';
import { registration } from '../helpers/fixtures.js';

const elevator = { ...registration('E1'), registeredAt: '2026-01-01T00:00:00.000Z' };

function decoded(kind: DecodedMessage['kind'], payload: unknown): DecodedMessage {
  const result = decodePayload(kind, JSON.stringify(payload));
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

describe('ingest schema', () => {
  it('derives InfluxDB field types from the contract', () => {
    expect(FIELD_TYPES.telemetry).toMatchObject({
      mode: 'integer',
      floor: 'integer',
      loadPct: 'float',
      occupied: 'boolean',
      runs: 'integer',
    });
    expect(FIELD_TYPES.faults).toEqual({ seq: 'integer', floor: 'integer', detail: 'string' });
    expect(FIELD_TYPES.online).toEqual({ online: 'integer', seq: 'integer' });
  });

  it('tags faults with registry tags, code, severity and category; the time is ts', () => {
    const point = toPoint(decoded('faults', { ts: 1_764_000_000_000, seq: 4, code: 41, floor: 2 }), elevator, 0);
    expect(point).toEqual({
      measurement: 'faults',
      tags: {
        elevator: 'E1',
        district: '渝中区',
        use_unit: 'UU-00001',
        insurer: 'INS-PICC',
        contractor: 'MC-OTIS',
        code: '41',
        severity: 'minor',
        category: 'external',
      },
      fields: { seq: 4, floor: 2 },
      timeMs: 1_764_000_000_000,
    });
  });

  it("keeps the technician's contractor apart from the registry's contractor tag", () => {
    const message = decoded('maintenance', {
      ts: 1_764_000_000_000,
      seq: 1,
      action: 'checkin',
      technician: 'T1',
      contractor: 'SUBCONTRACTOR',
      kind: 'repair',
      items: ['door'],
    });
    const point = toPoint(message, elevator, 0);
    expect(point.tags.contractor).toBe('MC-OTIS');
    expect(point.fields).toMatchObject({ visitContractor: 'SUBCONTRACTOR', items: '["door"]' });
    expect(point.fields).not.toHaveProperty('contractor');
  });

  it('stamps the bare online flag with the time it arrived, and the object form with its ts', () => {
    expect(toPoint(decoded('online', 0), elevator, 1234)).toMatchObject({
      measurement: 'online',
      fields: { online: 0 },
      timeMs: 1234,
    });
    expect(toPoint(decoded('online', { ts: 1_764_000_000_000, seq: 9, online: 1 }), elevator, 1234)).toMatchObject({
      measurement: 'online',
      fields: { online: 1, seq: 9 },
      timeMs: 1_764_000_000_000,
    });
  });

  it('encodes each message as its point, with the registry tag set encoded once', () => {
    const spaced = { ...elevator, id: 'E 2', district: 'a,b=c' };
    const messages = [
      decoded('telemetry', {
        ts: 1_764_000_000_000,
        seq: 1,
        mode: 1,
        floor: 3,
        direction: 0,
        doorState: 0,
        runs: 9,
        runSeconds: 90,
        doorCycles: 18,
        loadPct: 12.5,
      }),
      decoded('faults', { ts: 1_764_000_000_001, seq: 2, code: 41, floor: 2, detail: 'say "hi"' }),
      decoded('online', 1),
    ];
    for (const row of [elevator, spaced]) {
      for (const message of messages) {
        const expected = encodeLine(toPoint(message, row, 1234), FIELD_TYPES[message.kind]);
        expect(messageLine(message, { elevator: row, tagSet: registryTagSet(row) }, 1234)).toBe(expected);
      }
    }
    expect(registryTagSet(spaced)).toContain(',district=a\\,b\\=c,elevator=E\\ 2,');
  });
});
