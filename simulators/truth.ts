import fs from 'node:fs';
import { z } from 'zod';
import { describeIssues } from '../lib/issues.js';

/**
 * Ground truth, one JSON line per thing that happened to an elevator: what the rules should
 * have seen coming (degradations), what they must react to at once (critical events), what is
 * not the elevator's fault (power cuts, the terminal going offline), and bursts of faults on a
 * healthy lift that are not wear (nuisance: passengers abusing it, a storm's damp), which no
 * hazard warning should be about.
 */
export const TRUTH_CATEGORIES = [
  'degradation',
  'critical',
  'external',
  'data-quality',
  'maintenance',
  'nuisance',
] as const;
export const TRUTH_STATUSES = ['failed', 'fixed', 'pending', 'occurred'] as const;

const time = z.iso.datetime();

export const truthRecordSchema = z.object({
  elevator: z.string(),
  /**
   * A degradation kind, a sudden event (entrapment, ...), `power-off`, `offline`,
   * `maintenance-overdue`, or a nuisance (`passenger-abuse`, `damp`, `machine-room-heat`,
   * `voltage-sag`, `vandalism`, `renovation`, `recommissioning`, `unlogged-visit`, `occupancy-change`,
   * `humidity`, `snagging`, `firmware-update`, `cold`, `crowding`).
   */
  scenario: z.string(),
  category: z.enum(TRUTH_CATEGORIES),
  onset: time,
  /** When the symptoms (minor faults) began; degradations only. */
  minorPhaseStart: time.nullable(),
  /** The major failure or critical event; for a degradation that was fixed or is pending, when it would have failed. */
  failure: time.nullable(),
  /** End of a period (power off, offline, overdue maintenance, a nuisance burst). */
  end: time.nullable(),
  fixed: z.boolean(),
  fixedAt: time.nullable(),
  /** failed: the degradation reached its failure; fixed: maintenance fixed it first; pending: the run ended first; occurred: an event. */
  status: z.enum(TRUTH_STATUSES),
  /** Fault codes published for it. */
  codes: z.array(z.int()),
  /** A critical event caused from outside (an entrapment in a power cut). */
  external: z.boolean(),
});
export type TruthRecord = z.infer<typeof truthRecordSchema>;

/** Appends truth records to a JSON-lines file. */
export class TruthWriter {
  private readonly fd: number;
  count = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(records: readonly TruthRecord[]): void {
    if (records.length === 0) return;
    fs.writeSync(this.fd, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    this.count += records.length;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Reads a truth file; a bad line is an error naming its line number. */
export function readTruth(file: string): TruthRecord[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  return lines.flatMap((line, index) => {
    if (line.trim() === '') return [];
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${index + 1} is not JSON`);
    }
    const result = truthRecordSchema.safeParse(json);
    if (!result.success)
      throw new Error(`${file}:${index + 1} is not a truth record:\n${describeIssues(result.error)}`);
    return [result.data];
  });
}
