import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Elevator, ElevatorRegistration } from '../../contract/index.js';
import type { NewTicket } from '../../store/types.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed when the test file ends. */
export function tempDir(prefix = 'lw-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A database name of its own for each test, on the suite's influxd. */
export const uniqueDatabase = () => `lw_test_${randomBytes(6).toString('hex')}`;

export function registration(id: string, overrides: Partial<ElevatorRegistration> = {}): ElevatorRegistration {
  return {
    id,
    district: '渝中区',
    useUnit: 'UU-00001',
    insurer: 'INS-PICC',
    contractor: 'MC-OTIS',
    installedOn: '2012-05-01',
    residentsServed: 120,
    ...overrides,
  };
}

/** An entrapment ticket to record for `elevator`: one occurrence now (or as overridden). */
export function entrapmentTicket(elevator: Elevator, overrides: Partial<NewTicket> = {}): NewTicket {
  return {
    elevator,
    rule: 'critical-entrapment',
    ruleVersion: 1,
    configVersion: 0,
    severity: 'critical',
    category: 'critical',
    title: 'Passengers trapped',
    external: false,
    deadlineAt: null,
    occurrences: [{ at: Date.now(), seq: 1, code: 93, floor: 4, external: false }],
    ...overrides,
  };
}
