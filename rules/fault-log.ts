import type { RuleFault } from './types.js';

/**
 * An elevator's recent faults as the engine keeps them: three numbers a fault in one array of
 * doubles, oldest first (its time, its seq, and its code, floor and circumstances packed). As
 * objects they took about 120 bytes each with their array, most of an elevator's memory at
 * 300,000 elevators; the rules get them back as objects only when they read them.
 */
export type FaultLog = readonly number[];

export const EMPTY_FAULT_LOG: FaultLog = [];

const FIELDS = 3;
/** Fault codes are below this (the contract's end at 105); floors take the bits above, negative ones too. */
const CODE_RANGE = 65_536;

/** The circumstances' bits below the code and floor. */
const FLAG = { suppressed: 1, external: 2, common: 4 } as const;
const FLAGS = 8;

const pack = ({ code, floor, external, suppressed, common }: RuleFault) =>
  (floor * CODE_RANGE + code) * FLAGS +
  (external ? FLAG.external : 0) +
  (suppressed ? FLAG.suppressed : 0) +
  (common ? FLAG.common : 0);

/** The log's faults as the rules read them. */
export function faultsIn(log: FaultLog): RuleFault[] {
  const faults: RuleFault[] = [];
  for (let i = 0; i < log.length; i += FIELDS) {
    const packed = log[i + 2] as number;
    const place = Math.floor(packed / FLAGS);
    const flags = packed - place * FLAGS;
    const floor = Math.floor(place / CODE_RANGE);
    faults.push({
      at: log[i] as number,
      seq: log[i + 1] as number,
      code: place - floor * CODE_RANGE,
      floor,
      external: (flags & FLAG.external) !== 0,
      suppressed: (flags & FLAG.suppressed) !== 0,
      common: (flags & FLAG.common) !== 0,
    });
  }
  return faults;
}

/**
 * The log with `fault` appended, without the faults from before `horizon` at its start and
 * keeping the newest `max`: a new array of exactly its size (a growing array keeps room for
 * half as many again).
 */
export function appended(log: FaultLog, fault: RuleFault, horizon: number, max: number): FaultLog {
  const count = log.length / FIELDS;
  let drop = 0;
  while (drop < count && (log[drop * FIELDS] as number) < horizon) drop++;
  drop = Math.max(drop, count + 1 - max);
  const kept = (count - drop) * FIELDS;
  const next = new Array<number>(kept + FIELDS);
  for (let i = 0; i < kept; i++) next[i] = log[drop * FIELDS + i] as number;
  next[kept] = fault.at;
  next[kept + 1] = fault.seq;
  next[kept + 2] = pack(fault);
  return next;
}

// Floors may be negative: the remainders are taken towards minus infinity, as faultsIn does.
const codeOf = (packed: number) => {
  const place = Math.floor(packed / FLAGS);
  return place - Math.floor(place / CODE_RANGE) * CODE_RANGE;
};
const flagsOf = (packed: number) => packed - Math.floor(packed / FLAGS) * FLAGS;

/** When the log's latest fault with one of `codes` that the detectors counted or set aside as common was, or null. */
export function lastCounted(log: FaultLog, codes: ReadonlySet<number>): number | null {
  for (let i = log.length - FIELDS; i >= 0; i -= FIELDS) {
    const packed = log[i + 2] as number;
    if (codes.has(codeOf(packed)) && (flagsOf(packed) & (FLAG.suppressed | FLAG.external)) === 0)
      return log[i] as number;
  }
  return null;
}

/**
 * Marks the log's counted faults with one of `codes` from `since` on that `common` says are
 * common (in place: the log's array is the elevator's own); returns how many it marked.
 */
export function markCommon(
  log: FaultLog,
  codes: ReadonlySet<number>,
  since: number,
  common: (at: number) => boolean = () => true,
): number {
  const writable = log as number[];
  let marked = 0;
  for (let i = log.length - FIELDS; i >= 0 && (log[i] as number) >= since; i -= FIELDS) {
    const packed = log[i + 2] as number;
    if (!codes.has(codeOf(packed)) || flagsOf(packed) !== 0 || !common(log[i] as number)) continue;
    writable[i + 2] = packed + FLAG.common;
    marked++;
  }
  return marked;
}
