import type { Elevator } from '../contract/index.js';
import { describeIssues } from '../lib/issues.js';
import { LiftwatchError } from '../lib/errors.js';
import type { RuleConfigScope, RuleConfigStore, RuleOverride } from '../store/types.js';
import type { Rule } from './types.js';

export interface EffectiveConfig {
  readonly config: unknown;
  /** The newest override that applied; 0 when only the rule's defaults did. */
  readonly version: number;
}

/** Narrower scopes win: the rule's defaults, then the default override, the insurer's, the elevator's. */
const PRECEDENCE: readonly RuleConfigScope[] = ['default', 'insurer', 'elevator'];

function applies(override: RuleOverride, elevator: Elevator): boolean {
  if (override.scope === 'default') return true;
  return override.scopeId === (override.scope === 'insurer' ? elevator.insurer : elevator.id);
}

/**
 * Each rule's thresholds for each elevator: the rule's defaults with the stored overrides laid
 * over them. Cached until any override changes (in any process): per (rule, elevator) for an
 * elevator with an override of its own, else per (rule, insurer), all that can differ then (an
 * entry per elevator took about 430 bytes an elevator at 300k elevators).
 */
export class RuleConfigs {
  private cache = new Map<string, EffectiveConfig>();
  /** Per rule: its overrides, and the elevators with one of their own. */
  private overrides = new Map<string, { all: RuleOverride[]; elevators: ReadonlySet<string> }>();
  private generation = -1;

  constructor(private readonly store: RuleConfigStore) {}

  effective(rule: Rule, elevator: Elevator): EffectiveConfig {
    this.refreshIfChanged();
    let overrides = this.overrides.get(rule.id);
    if (!overrides) {
      const all = this.store.current(rule.id);
      const elevators = new Set(all.filter((override) => override.scope === 'elevator').map((o) => o.scopeId));
      overrides = { all, elevators };
      this.overrides.set(rule.id, overrides);
    }
    const key = overrides.elevators.has(elevator.id)
      ? `${rule.id}\u0000elevator\u0000${elevator.id}`
      : `${rule.id}\u0000insurer\u0000${elevator.insurer}`;
    let effective = this.cache.get(key);
    if (!effective) {
      const applying = overrides.all
        .filter((override) => applies(override, elevator))
        .sort((a, b) => PRECEDENCE.indexOf(a.scope) - PRECEDENCE.indexOf(b.scope));
      const merged = Object.assign({}, rule.defaults, ...applying.map((override) => override.config));
      effective = { config: rule.configSchema.parse(merged), version: Math.max(0, ...applying.map((o) => o.version)) };
      this.cache.set(key, effective);
    }
    return effective;
  }

  /** The rule's config for everyone: its defaults with the default-scope override. */
  general(rule: Rule): EffectiveConfig {
    this.refreshIfChanged();
    const override = this.store.current(rule.id).find((candidate) => candidate.scope === 'default');
    return {
      config: rule.configSchema.parse({ ...(rule.defaults as object), ...override?.config }),
      version: override?.version ?? 0,
    };
  }

  private refreshIfChanged(): void {
    const generation = this.store.generation();
    if (generation === this.generation) return;
    this.generation = generation;
    this.cache = new Map();
    this.overrides = new Map();
  }
}

/**
 * Checks an override against the rule's schema (laid over its defaults, so a partial override
 * is fine and an unknown or bad field is named), then stores it as a new version.
 */
export function putOverride(
  store: RuleConfigStore,
  rule: Rule,
  override: { scope: RuleConfigScope; scopeId: string; config: Record<string, unknown>; createdBy: string },
  now: Date,
): RuleOverride {
  if ((override.scope === 'default') !== (override.scopeId === '')) {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      'Give an id for an insurer or elevator override, and none for the default scope',
    );
  }
  const result = rule.configSchema.safeParse({ ...(rule.defaults as object), ...override.config });
  if (!result.success) {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      `Invalid config for ${rule.id}: ${describeIssues(result.error).replaceAll('\n', '; ')}`,
    );
  }
  return store.put({ rule: rule.id, ...override }, now);
}
