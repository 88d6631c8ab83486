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

const pack = ({ code, floor, external, suppressed }: RuleFault) =>
  (floor * CODE_RANGE + code) * 4 + (external ? 2 : 0) + (suppressed ? 1 : 0);

/** The log's faults as the rules read them. */
export function faultsIn(log: FaultLog): RuleFault[] {
  const faults: RuleFault[] = [];
  for (let i = 0; i < log.length; i += FIELDS) {
    const packed = log[i + 2] as number;
    const place = Math.floor(packed / 4);
    const flags = packed - place * 4;
    const floor = Math.floor(place / CODE_RANGE);
    faults.push({
      at: log[i] as number,
      seq: log[i + 1] as number,
      code: place - floor * CODE_RANGE,
      floor,
      external: flags >= 2,
      suppressed: flags % 2 === 1,
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
