import type { Elevator, Ticket } from '../contract/index.js';
import type { NewTicket } from '../store/types.js';
import type { Decision, Rule, TicketSpec } from './types.js';

const MINUTE_MS = 60_000;

/** What the engine reads of an entry in a ledger: a live ticket and a shadow record alike. */
export type LedgerEntry = Pick<
  Ticket,
  'elevator' | 'openedAt' | 'status' | 'severity' | 'category' | 'title' | 'external'
> & { readonly closed: { readonly by: string | null } };

/**
 * Where decisions go: the tickets (the store's TicketStore), or what rules in shadow would have
 * opened (its ShadowStore, docs/rules.md "Shadow mode"), one active entry per (elevator, rule).
 */
export interface Ledger {
  record(ticket: NewTicket, now: Date): { readonly opened: boolean; readonly added: number };
  active(elevator: string, rule: string): LedgerEntry | undefined;
  activeFor(rule: string): readonly LedgerEntry[];
  resolveActive(elevator: string, rule: string, note: string, now: Date, unlessActedOn?: boolean): boolean;
  list(query: { elevator: string; rule: string; order: 'newest'; limit: number }): {
    readonly items: readonly LedgerEntry[];
  };
}

export interface DecisionContext {
  readonly elevator: Elevator;
  readonly rule: Rule;
  readonly configVersion: number;
  readonly decisions: readonly Decision[];
  readonly now: Date;
}

/**
 * Acts on a rule's decisions: an opening decision opens a ticket (or, if one is already active,
 * adds its occurrences), an occurrence joins the active ticket, a resolution closes it.
 */
export function applyDecisions(tickets: Ledger, context: DecisionContext): { opened: number; added: number } {
  const { elevator, rule, configVersion, now } = context;
  let opened = 0;
  let added = 0;
  for (const decision of context.decisions) {
    if (decision.type === 'resolve') {
      tickets.resolveActive(elevator.id, rule.id, decision.note, now, decision.unlessActedOn);
      continue;
    }
    let spec: TicketSpec;
    if (decision.type === 'open') {
      spec = decision;
    } else {
      // An occurrence joins the active ticket, whose own fields stay as they are.
      const active = tickets.active(elevator.id, rule.id);
      if (!active) continue;
      spec = { ...active, deadlineMinutes: null };
    }
    const occurrences = decision.occurrences.map(({ at, seq, code, floor, external }) => ({
      at,
      seq,
      code,
      floor,
      external,
    }));
    const openingAt = Math.max(...occurrences.map((occurrence) => occurrence.at));
    const result = tickets.record(
      {
        elevator,
        rule: rule.id,
        ruleVersion: rule.version,
        configVersion,
        severity: spec.severity,
        category: spec.category,
        title: spec.title,
        external: spec.external,
        deadlineAt: spec.deadlineMinutes === null ? null : openingAt + spec.deadlineMinutes * MINUTE_MS,
        occurrences,
        evidence: decision.type === 'open' ? (decision.evidence ?? null) : null,
      },
      now,
    );
    if (result.opened) opened++;
    added += result.added;
  }
  return { opened, added };
}
