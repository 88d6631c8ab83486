import type { Elevator, ElevatorRegistration } from '../contract/index.js';

export interface Page<T> {
  readonly items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** The elevator registry and each elevator's device-token hash. */
export interface ElevatorStore {
  /** Registers an elevator with its token hash; throws LW_ERR_ELEVATOR_EXISTS for a taken id. */
  register(registration: ElevatorRegistration, tokenHash: string): Elevator;
  /** Registers many in one transaction; ids already taken are returned instead of inserted. */
  registerMany(rows: ReadonlyArray<{ registration: ElevatorRegistration; tokenHash: string }>): { taken: string[] };
  get(id: string): Elevator | undefined;
  list(options: { limit: number; after?: string | undefined }): Page<Elevator>;
  count(): number;
  tokenHash(id: string): string | undefined;
  /** Replaces the token hash; false when the elevator is not registered. */
  replaceTokenHash(id: string, tokenHash: string): boolean;
}

export interface DeadLetter {
  readonly id: number;
  readonly receivedAt: string;
  readonly topic: string;
  readonly payload: string;
  readonly reason: string;
}

/** Messages ingest refused, kept so an operator can see what a device sent and why it was refused. */
export interface DeadLetterStore {
  add(letter: { topic: string; payload: Buffer; reason: string; receivedAt: Date }): void;
  /** Newest first. */
  list(options: { limit: number; before?: number | undefined }): DeadLetter[];
  count(): number;
}

export interface Store {
  readonly elevators: ElevatorStore;
  readonly deadLetters: DeadLetterStore;
  /** Throws when the database cannot be read. */
  check(): void;
  close(): void;
}
