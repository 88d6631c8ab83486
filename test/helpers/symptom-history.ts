import { decodePayload, SERVICE_MODES, type Elevator, type TopicKind } from '../../contract/index.js';
import type { InfluxHttpStore } from '../../influx/http-store.js';
import { encodeLine } from '../../influx/line-protocol.js';
import { FIELD_TYPES, toPoint } from '../../ingest/schema.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const RUNS_A_DAY = 300;
const VISIT = { technician: 'T1', contractor: 'MC-OTIS', kind: 'half-monthly' } as const;
const FAULTS = { doorClose: 2, doorOpen: 3, outsideDoorZone: 4, mainsOff: 41, backToNormal: 40 } as const;

/**
 * Three months of one elevator's door faults for the symptom chart, by Shanghai days before
 * today: a door fault every third day from 84 days ago to 12 days ago (its usual, a third a day),
 * five in a two-hour maintenance visit 10 days ago and four in an hour's power cut 5 days ago
 * (neither counts), three counted 2 days ago, a stop outside the door zone yesterday; telemetry
 * each morning with its runs.
 */
export const SYMPTOM_HISTORY = {
  firstDaysAgo: 85,
  usualEveryDays: 3,
  usualFromDaysAgo: 84,
  usualToDaysAgo: 12,
  visit: { daysAgo: 10, faults: 5, hours: 2 },
  powerCut: { daysAgo: 5, faults: 4, hours: 1 },
  rise: { daysAgo: 2, faults: 3 },
  position: { daysAgo: 1 },
} as const;

/** Each message of SYMPTOM_HISTORY up to `now`, in time order. */
export function symptomMessages(now: number): Array<[TopicKind, object]> {
  const today = shanghaiMidnight(now);
  const at = (daysAgo: number, hour: number, minutes = 0) =>
    today - daysAgo * DAY_MS + hour * HOUR_MS + minutes * MINUTE_MS;
  const { firstDaysAgo, usualEveryDays, usualFromDaysAgo, usualToDaysAgo, visit, powerCut, rise, position } =
    SYMPTOM_HISTORY;
  let seq = 0;
  const messages: Array<[TopicKind, object]> = [];
  const fault = (ts: number, code: number) => messages.push(['faults', { ts, seq: ++seq, code, floor: 3 }]);
  for (let daysAgo = firstDaysAgo; daysAgo >= 0; daysAgo--) {
    messages.push([
      'telemetry',
      {
        ts: at(daysAgo, 8),
        seq: ++seq,
        mode: SERVICE_MODES.normal,
        floor: 1,
        direction: 0,
        doorState: 2,
        runs: RUNS_A_DAY * (firstDaysAgo - daysAgo),
        runSeconds: 0,
        doorCycles: 0,
      },
    ]);
    if (daysAgo <= usualFromDaysAgo && daysAgo >= usualToDaysAgo && daysAgo % usualEveryDays === 0) {
      fault(at(daysAgo, 9), FAULTS.doorClose);
    }
  }
  const visitStart = at(visit.daysAgo, 10);
  messages.push(['maintenance', { ts: visitStart, seq: ++seq, action: 'checkin', ...VISIT }]);
  for (let index = 1; index <= visit.faults; index++) fault(visitStart + index * 10 * MINUTE_MS, FAULTS.doorClose);
  messages.push(['maintenance', { ts: visitStart + visit.hours * HOUR_MS, seq: ++seq, action: 'checkout', ...VISIT }]);
  const cutStart = at(powerCut.daysAgo, 14);
  fault(cutStart, FAULTS.mainsOff);
  for (let index = 1; index <= powerCut.faults; index++) fault(cutStart + index * 10 * MINUTE_MS, FAULTS.doorOpen);
  fault(cutStart + powerCut.hours * HOUR_MS, FAULTS.backToNormal);
  for (let index = 0; index < rise.faults; index++) fault(at(rise.daysAgo, 9, index * 10), FAULTS.doorClose);
  fault(Math.min(at(position.daysAgo, 12), now), FAULTS.outsideDoorZone);
  return messages
    .filter(([, payload]) => (payload as { ts: number }).ts <= now)
    .sort(([, a], [, b]) => (a as { ts: number }).ts - (b as { ts: number }).ts);
}

/** Writes what ingest would for each message, straight to InfluxDB. */
export async function writeMessages(
  telemetry: InfluxHttpStore,
  elevator: Elevator,
  messages: ReadonlyArray<[TopicKind, object]>,
  receivedAt: number,
): Promise<void> {
  const lines = messages.map(([kind, payload]) => {
    const decoded = decodePayload(kind, JSON.stringify(payload));
    if (!decoded.ok) throw new Error(decoded.reason);
    return encodeLine(toPoint(decoded.message, elevator, receivedAt), FIELD_TYPES[kind]);
  });
  await telemetry.write(lines);
}
