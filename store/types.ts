import type {
  Digest,
  DigestListQuery,
  Elevator,
  ElevatorRegistration,
  Gateway,
  GatewayInput,
  Ticket,
  TicketAction,
  TicketCategory,
  TicketDetail,
  TicketEvidence,
  TicketListQuery,
  FaultSeverity,
  ApiKey,
  Insurer,
  InsurerUpdate,
  KeyedKind,
  Principal,
  ShadowListQuery,
  ShadowRecord,
  TicketEvent,
  Delivery,
  DeliveryListQuery,
  TicketEventQuery,
  Policy,
  PolicyInput,
  PolicyListQuery,
  Claim,
  ClaimInput,
  ClaimListQuery,
  Satisfaction,
  SatisfactionInput,
  SatisfactionListQuery,
  PilotReport,
  PilotDraft,
  PilotDraftInfo,
  PilotDraftListQuery,
} from '../contract/index.js';
import type { LiftwatchError } from '../lib/errors.js';

export interface Page<T> {
  readonly items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** The elevator registry and each elevator's device-token hash. */
export interface ElevatorStore {
  /**
   * Registers an elevator with its token hash; throws LW_ERR_ELEVATOR_EXISTS for a taken id,
   * LW_ERR_VALIDATION for a gateway that is not registered.
   */
  register(registration: ElevatorRegistration, tokenHash: string): Elevator;
  /** Registers many in one transaction; ids already taken, or naming an unknown gateway, are returned instead. */
  registerMany(rows: ReadonlyArray<{ registration: ElevatorRegistration; tokenHash: string }>): {
    taken: string[];
    unknownGateway: string[];
  };
  get(id: string): Elevator | undefined;
  list(
    options: { limit: number; after?: string | undefined; district?: string | undefined },
    scope?: Scope,
  ): Page<Elevator>;
  count(): number;
  /** Each use unit with its elevators. */
  useUnits(): Array<{ useUnit: string; elevators: string[] }>;
  tokenHash(id: string): string | undefined;
  /** Replaces the token hash; false when the elevator is not registered. */
  replaceTokenHash(id: string, tokenHash: string): boolean;
  /** Token hashes issued (registered or replaced) at or after `since`. */
  tokensIssuedSince(since: Date): Array<{ id: string; tokenHash: string }>;
  /** Sets (or with null clears) the elevator's gateway; false when the elevator is not registered. */
  setGateway(id: string, gateway: string | null): boolean;
  /** The gateway that publishes for the elevator: null for none, undefined when it is not registered. */
  gatewayOf(id: string): string | null | undefined;
  /** Every registered elevator's gateway, null for none, read as it is iterated. */
  gateways(): IterableIterator<{ id: string; gateway: string | null }>;
  /** Gateways set or cleared at or after `since` (by this process or another). */
  gatewaysSetSince(since: Date): Array<{ id: string; gateway: string | null }>;
  /** Calls `listener` with the elevator id when this store changes a gateway; returns the unsubscribe. */
  onGatewaySet(listener: (id: string) => void): () => void;
}

/** Building gateways and their token hashes. */
export interface GatewayStore {
  /** Throws LW_ERR_GATEWAY_EXISTS for a taken id. */
  create(input: GatewayInput, tokenHash: string): Gateway;
  /** Creates many in one transaction (bulk provisioning); ids already taken are returned instead. */
  createMany(rows: ReadonlyArray<{ input: GatewayInput; tokenHash: string }>): { taken: string[] };
  get(id: string): Gateway | undefined;
  list(options: { limit: number; after?: string | undefined }): Page<Gateway>;
  tokenHash(id: string): string | undefined;
  /** Replaces the token hash; false when the gateway is not registered. */
  replaceTokenHash(id: string, tokenHash: string): boolean;
  /** False when the gateway is not registered; throws LW_ERR_GATEWAY_IN_USE while elevators name it. */
  delete(id: string): boolean;
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

export interface OccurrenceInput {
  /** Event time, epoch ms. */
  readonly at: number;
  readonly seq: number | null;
  readonly code: number | null;
  readonly floor: number | null;
  readonly external: boolean;
}

export interface NewTicket {
  readonly elevator: Elevator;
  readonly rule: string;
  readonly ruleVersion: number;
  readonly configVersion: number;
  readonly severity: FaultSeverity;
  readonly category: TicketCategory;
  readonly title: string;
  readonly external: boolean;
  /** Epoch ms, or null when the rule sets no deadline. */
  readonly deadlineAt: number | null;
  /** At least one; the latest is the one that met the rule and opened it. */
  readonly occurrences: readonly OccurrenceInput[];
  /** Why a detector opened it; none for the other rules. */
  readonly evidence?: TicketEvidence | null;
}

export interface RecordResult {
  readonly ticket: Ticket;
  /** True when this call opened the ticket; false when it added to the active one. */
  readonly opened: boolean;
  /** Occurrences that were new (the same event twice is kept once). */
  readonly added: number;
}

/** Tickets and their lifecycle: one active ticket per (elevator, rule). */
export interface TicketStore {
  /** Adds the occurrences to the active ticket of (elevator, rule), or opens one with them. */
  record(ticket: NewTicket, now: Date): RecordResult;
  /** The active (not closed) ticket of an elevator for a rule. */
  active(elevator: string, rule: string): Ticket | undefined;
  /** Every active ticket of a rule. */
  activeFor(rule: string): Ticket[];
  /** Per use unit and severity: tickets opened (event time) in [from, to), and tickets active now. */
  countsByUseUnit(
    from: number,
    to: number,
  ): Array<{ useUnit: string; severity: FaultSeverity; opened: number; active: number }>;
  /** Per elevator and rule: tickets opened (event time) in [from, to), false alarms left out. */
  openedByElevatorAndRule(from: number, to: number): Array<{ elevator: string; rule: string; opened: number }>;
  get(id: string): TicketDetail | undefined;
  /** Oldest first unless `order` says newest. */
  list(query: Omit<TicketListQuery, 'order'> & Partial<Pick<TicketListQuery, 'order'>>, scope?: Scope): Page<Ticket>;
  /** Moves a ticket along its lifecycle; LW_ERR_NOT_FOUND or LW_ERR_TICKET_TRANSITION when it cannot. */
  transition(id: string, action: TicketAction, actor: string, note: string | null, now: Date): Ticket;
  /**
   * Resolves the active ticket of (elevator, rule) on liftwatch's own account; false when there is
   * none, or (`unlessActedOn`) when someone has acknowledged or dispatched it since it opened.
   */
  resolveActive(elevator: string, rule: string, note: string, now: Date, unlessActedOn?: boolean): boolean;
  /** Open tickets per insurer and severity, by age (since they were created) at `now`. */
  backlog(now: Date): BacklogRow[];
  /** Announces, once each, open tickets whose deadline comes before `before` and nobody is on site yet. */
  warnDeadlines(before: Date, now: Date): Ticket[];
  /**
   * Calls `listener` soon after ticket events are journaled through this store (in this process;
   * other processes' events are found by polling). Returns the way to stop listening.
   */
  onEvents(listener: () => void): () => void;
}

/**
 * What rules in shadow would have opened (docs/rules.md, "Shadow mode"): the same lifecycle as a
 * ticket's one active per (elevator, rule), but no journal, so no webhook and no feed event.
 */
export interface ShadowStore {
  /** Adds the occurrences to the open record of (elevator, rule), or opens one with them. */
  record(
    ticket: NewTicket,
    now: Date,
  ): { readonly record: ShadowRecord; readonly opened: boolean; readonly added: number };
  active(elevator: string, rule: string): ShadowRecord | undefined;
  activeFor(rule: string): ShadowRecord[];
  /** Closes the open record of (elevator, rule) on liftwatch's account (its evidence faded); false when none. */
  resolveActive(elevator: string, rule: string, note: string, now: Date, unlessActedOn?: boolean): boolean;
  /** Filtered by rule, elevator and when they opened (event time); oldest first unless `order` says newest. */
  list(query: Omit<ShadowListQuery, 'order'> & Partial<Pick<ShadowListQuery, 'order'>>): Page<ShadowRecord>;
}

export const RULE_CONFIG_SCOPES = ['default', 'insurer', 'elevator'] as const;
export type RuleConfigScope = (typeof RULE_CONFIG_SCOPES)[number];

/** A rule's thresholds changed for everyone, one insurer's elevators, or one elevator; each change is a new version. */
export interface RuleOverride {
  readonly version: number;
  readonly rule: string;
  readonly scope: RuleConfigScope;
  /** The insurer or elevator id; empty for the default scope. */
  readonly scopeId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface RuleConfigStore {
  put(override: Omit<RuleOverride, 'version' | 'createdAt'>, now: Date): RuleOverride;
  /** The newest override of each scope of a rule (older versions stay stored). */
  current(rule: string): RuleOverride[];
  /** Grows with every change: a cache of effective configs is stale when it moves (this store's own change at once, another process's within a quarter second). */
  generation(): number;
}

/** What a digest holds beyond its identity; stored as written. */
export type DigestBody = Omit<Digest, 'id' | 'useUnit' | 'kind' | 'periodStart' | 'periodEnd' | 'createdAt'>;

export interface DigestStore {
  /** Stores the digest of a use unit's period, replacing an earlier draft of the same period. */
  put(digest: Omit<Digest, 'id'>): Digest;
  list(query: DigestListQuery): Page<Digest>;
}

/** Insurance policies; one elevator has at most one policy on any day. */
export interface PolicyStore {
  /**
   * Stores each in one transaction; a row that cannot be stored gives its error instead:
   * LW_ERR_POLICY_OVERLAP when the elevator has a policy (stored, or earlier in `policies`) on one of its days.
   */
  addMany(policies: readonly PolicyInput[], now: Date): Array<Policy | LiftwatchError>;
  /** The policy covering the elevator on this date (`YYYY-MM-DD`). */
  covering(elevator: string, date: string): Policy | undefined;
  /** Policies whose period overlaps the calendar year, by elevator and start. */
  ofYear(year: number): Policy[];
  /** By id; an insurer's scope is its own policies, a use unit's those of its elevators. */
  list(query: PolicyListQuery, scope?: Scope): Page<Policy>;
}

/** A claim to store, with the policy that covered the accident. */
export type NewClaim = ClaimInput & { readonly policy: string };

/** Claims paid under the policies. */
export interface ClaimStore {
  /**
   * Stores each in one transaction; a row that cannot be stored gives its error instead:
   * LW_ERR_DUPLICATE when the elevator has a claim that occurred and was reported at the same times.
   */
  addMany(claims: readonly NewClaim[], now: Date): Array<Claim | LiftwatchError>;
  /** Claims paid in [from, to), epoch ms. */
  paidBetween(from: number, to: number): Claim[];
  /** By id; an insurer's scope is the claims on its policies, a use unit's those of its elevators. */
  list(query: ClaimListQuery, scope?: Scope): Page<Claim>;
}

/** Satisfaction survey results, one per district or use unit and period. */
export interface SatisfactionStore {
  /**
   * Stores each in one transaction; a row that cannot be stored gives its error instead:
   * LW_ERR_DUPLICATE when the same district or use unit already has a result for the period.
   */
  addMany(results: readonly SatisfactionInput[], now: Date): Array<Satisfaction | LiftwatchError>;
  /** Results of periods in the year. */
  ofYear(year: number): Satisfaction[];
  list(query: SatisfactionListQuery): Page<Satisfaction>;
}

/** Drafted reports, one per year and district: drafting again replaces it. */
export interface ReportStore {
  putPilot(report: PilotReport, now: Date): PilotDraft;
  getPilot(id: string): PilotDraft | undefined;
  listPilot(query: PilotDraftListQuery): Page<PilotDraftInfo>;
}

/** A key as stored: only its SHA-256, never the key itself. */
export interface StoredKey {
  readonly keyId: string;
  readonly hash: string;
}

/** Insurers, regulators and use units, and their API keys. */
export interface PrincipalStore {
  /** Creates the principal with its first key; throws LW_ERR_PRINCIPAL_EXISTS for a taken id. */
  create(
    principal: { kind: KeyedKind; id: string; name: string; webhookUrl?: string | null; webhookSecret?: string },
    key: StoredKey,
    now: Date,
  ): Principal;
  get(kind: KeyedKind, id: string): Principal | undefined;
  insurer(id: string): Insurer | undefined;
  insurers(options: { limit: number; after?: string | undefined }): Page<Insurer>;
  /** Undefined when there is no such insurer. */
  updateInsurer(id: string, update: InsurerUpdate): Insurer | undefined;
  /** What signs the insurer's webhooks at `now`: its secret, then the one a rotation replaced while its grace lasts. */
  webhookSecrets(insurer: string, now: Date): string[];
  /** A new webhook secret; the one it replaces signs too until `previousExpireAt`. False when there is no such insurer. */
  rotateWebhookSecret(insurer: string, secret: string, previousExpireAt: Date): boolean;
  /**
   * Adds a key; the principal's other live keys stay valid until `previousExpireAt`. With
   * `replacing` (a principal rotating its own key), refused when that key was itself replaced.
   */
  addKey(
    kind: KeyedKind,
    id: string,
    key: StoredKey,
    now: Date,
    previousExpireAt: Date,
    replacing?: string,
  ): 'added' | 'no-principal' | 'replaced';
  /**
   * The principal a live key (not revoked, not expired) belongs to, and marks the key used;
   * `replaced` when a rotation gave the principal a newer key (this one is in its grace period).
   */
  authenticate(hash: string, now: Date): { principal: Principal; keyId: string; replaced: boolean } | undefined;
  /** True while the key works: not revoked, not past its grace period. */
  keyLive(keyId: string, now: Date): boolean;
  keys(filter: { kind?: KeyedKind | undefined; id?: string | undefined }): ApiKey[];
  /** False when there is no such key. */
  revokeKey(keyId: string, now: Date): boolean;
}

/** Who may see what: an insurer only its own, a use unit only its own; nothing means everything. */
export interface Scope {
  readonly insurer?: string | undefined;
  readonly useUnit?: string | undefined;
}

/** The ticket journal and the webhook outbox it feeds. */
export interface DeliveryStore {
  /** Journal entries after a cursor, oldest first. */
  events(query: TicketEventQuery, scope: Scope): Page<TicketEvent>;
  /** The newest journal id (0 for none): where a live feed starts. */
  lastEventId(): number;
  /** For each ticket, its oldest pending delivery, when that is due (order per ticket is kept). */
  due(now: number, limit: number): DueDelivery[];
  delivered(id: string, status: number, now: number): void;
  /** Another attempt later, or `failed` when `expire` says the delivery is too old. */
  attemptFailed(
    id: string,
    outcome: { status: number | null; error: string; nextAttemptAt: number; expire: boolean },
    now: number,
  ): void;
  get(id: string, scope: Scope): Delivery | undefined;
  list(query: DeliveryListQuery, scope: Scope): Page<Delivery>;
  /** Puts a failed delivery back in the queue; LW_ERR_DELIVERY_STATE when it is not failed. */
  retry(id: string, scope: Scope, now: number): Delivery | undefined;
  countByStatus(): Record<string, number>;
}

/** A delivery ready to be POSTed: its event body and where to. */
export interface DueDelivery {
  readonly id: string;
  readonly insurer: string;
  readonly url: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly event: TicketEvent;
}

/** Where each reader of a journal has got to, so a restart goes on from there. */
export interface CursorStore {
  /** The last id read; 0 before the first. */
  get(name: string): number;
  set(name: string, lastId: number): void;
}

/** Open tickets of one insurer and severity, by age. */
export interface BacklogRow {
  readonly insurer: string;
  readonly severity: FaultSeverity;
  readonly open: number;
  readonly ageUnder1d: number;
  readonly age1to7d: number;
  readonly ageOver7d: number;
}

export interface Store {
  readonly principals: PrincipalStore;
  readonly deliveries: DeliveryStore;
  readonly cursors: CursorStore;
  readonly elevators: ElevatorStore;
  readonly gateways: GatewayStore;
  readonly deadLetters: DeadLetterStore;
  readonly tickets: TicketStore;
  readonly ruleConfigs: RuleConfigStore;
  readonly shadows: ShadowStore;
  readonly digests: DigestStore;
  readonly policies: PolicyStore;
  readonly claims: ClaimStore;
  readonly satisfaction: SatisfactionStore;
  readonly reports: ReportStore;
  /** Throws when the database cannot be read. */
  check(): void;
  close(): void;
}

/**
 * The WHERE clauses of a page by id: after the cursor (before it, newest first), and each filter
 * the query gives (column, query field), as named parameters of the same names.
 */
export function pageWhere<Q extends { readonly after?: string | undefined; readonly order?: string | undefined }>(
  query: Q,
  filters: ReadonlyArray<readonly [string, keyof Q & string]>,
): string[] {
  const where = [query.after === undefined ? '1 = 1' : query.order === 'newest' ? 'id < @after' : 'id > @after'];
  for (const [column, field] of filters) {
    if (query[field] !== undefined) where.push(`${column} = @${field}`);
  }
  return where;
}

/** A page from rows fetched with LIMIT `limit + 1`: the extra row only says there is more. */
export function pageOf<R, T extends { id: string }>(rows: readonly R[], limit: number, toItem: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit).map(toItem);
  return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
