import { z } from 'zod';
import { DEFAULT_RULE_MODE, faultInfo, RULE_MODES, type Elevator, type FaultCode } from '../contract/index.js';
import { describeIssues } from '../lib/issues.js';
import { LiftwatchError } from '../lib/errors.js';
import type { RuleConfigScope, RuleConfigStore, RuleOverride } from '../store/types.js';
import type { Rule } from './types.js';

export interface EffectiveConfig {
  readonly config: unknown;
  /** The newest override that applied; 0 when only the rule's defaults did. */
  readonly version: number;
  /** Whether the rule runs for this elevator in this variant (live, or its shadow). */
  readonly runs: boolean;
}

/**
 * Which instance of each rule a RuleConfigs gives the config of: the live one, or its shadow
 * (docs/rules.md, "Shadow mode"), which runs as if each override's `shadow` were laid over its config.
 */
export type RuleVariant = 'live' | 'shadow';

/** What an override may say beside the rule's own fields: how it runs, and the config of its shadow. */
const overrideModeSchema = z.object({
  mode: z.enum(RULE_MODES).optional(),
  shadow: z.record(z.string(), z.unknown()).optional(),
});
type OverrideMode = z.infer<typeof overrideModeSchema>;

/** An override's config split into the rule's own fields and its mode and shadow. */
function splitOverride(config: Readonly<Record<string, unknown>>): OverrideMode & { own: Record<string, unknown> } {
  const { mode, shadow, ...own } = config;
  const parsed = overrideModeSchema.safeParse({ mode, shadow });
  if (!parsed.success) {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      `mode takes live or shadow, shadow a config object: ${describeIssues(parsed.error).replaceAll('\n', '; ')}`,
    );
  }
  return { ...parsed.data, own };
}

/** Who the overrides running rules in shadow cover: everyone (one of the default scope), or some insurers and elevators. */
export interface ShadowScope {
  readonly everyone: boolean;
  readonly insurers: ReadonlySet<string>;
  readonly elevators: ReadonlySet<string>;
}

/** Whether an override runs its rule in shadow: its mode says so, or it gives a shadow config. */
export const declaresShadow = (config: Readonly<Record<string, unknown>>): boolean =>
  config.mode === 'shadow' || config.shadow !== undefined;

/** A rule whose every code is critical (an entrapment...): its tickets are the operator contract's, always live. */
const critical = (rule: Rule) =>
  rule.kind === 'stream' && [...rule.codes].every((code) => faultInfo(code as FaultCode).severity === 'critical');

/** Narrower scopes win: the rule's defaults, then the default override, the insurer's, the elevator's. */
const PRECEDENCE: readonly RuleConfigScope[] = ['default', 'insurer', 'elevator'];

function applies(override: RuleOverride, elevator: Elevator): boolean {
  if (override.scope === 'default') return true;
  return override.scopeId === (override.scope === 'insurer' ? elevator.insurer : elevator.id);
}

/** A rule's overrides, the elevators with one of their own, and the configs worked out so far. */
interface RuleOverrides {
  readonly all: readonly RuleOverride[];
  readonly elevators: ReadonlySet<string>;
  readonly byElevator: Map<string, EffectiveConfig>;
  readonly byInsurer: Map<string, EffectiveConfig>;
}

/**
 * Each rule's thresholds for each elevator: the rule's defaults with the stored overrides laid
 * over them. Cached until any override changes (in any process): per (rule, elevator) for an
 * elevator with an override of its own, else per (rule, insurer), all that can differ then (an
 * entry per elevator took about 430 bytes an elevator at 300k elevators). The engine asks for
 * every family of many messages: a lookup is two map reads, no key built.
 */
export class RuleConfigs {
  private overrides = new Map<string, RuleOverrides>();
  private generation = -1;
  private shadowed: ShadowScope | null | undefined;

  constructor(
    private readonly store: RuleConfigStore,
    private readonly variant: RuleVariant = 'live',
  ) {}

  effective(rule: Rule, elevator: Elevator): EffectiveConfig {
    this.refreshIfChanged();
    let overrides = this.overrides.get(rule.id);
    if (!overrides) {
      const all = this.store.current(rule.id);
      const elevators = new Set(all.filter((override) => override.scope === 'elevator').map((o) => o.scopeId));
      overrides = { all, elevators, byElevator: new Map(), byInsurer: new Map() };
      this.overrides.set(rule.id, overrides);
    }
    const own = overrides.elevators.has(elevator.id);
    const cache = own ? overrides.byElevator : overrides.byInsurer;
    const key = own ? elevator.id : elevator.insurer;
    let effective = cache.get(key);
    if (!effective) {
      const applying = overrides.all
        .filter((override) => applies(override, elevator))
        .sort((a, b) => PRECEDENCE.indexOf(a.scope) - PRECEDENCE.indexOf(b.scope));
      const parts = applying.map((override) => splitOverride(override.config));
      const mode = parts.findLast((part) => part.mode !== undefined)?.mode ?? DEFAULT_RULE_MODE;
      const layers =
        this.variant === 'live'
          ? parts.map((part) => part.own)
          : parts.flatMap((part) => [part.own, part.shadow ?? {}]);
      const runs =
        this.variant === 'live'
          ? mode === 'live'
          : mode === 'shadow' || parts.some((part) => part.shadow !== undefined);
      effective = {
        config: rule.configSchema.parse(Object.assign({}, rule.defaults, ...layers)),
        version: Math.max(0, ...applying.map((o) => o.version)),
        runs,
      };
      cache.set(key, effective);
    }
    return effective;
  }

  /** The rule's config for everyone: its defaults with the default-scope override. */
  general(rule: Rule): Omit<EffectiveConfig, 'runs'> {
    this.refreshIfChanged();
    const override = this.store.current(rule.id).find((candidate) => candidate.scope === 'default');
    return {
      config: rule.configSchema.parse({
        ...(rule.defaults as object),
        ...(override && splitOverride(override.config).own),
      }),
      version: override?.version ?? 0,
    };
  }

  /** Who the overrides of these rules that run one in shadow (its mode, or a shadow config) cover; null for nobody. */
  shadowScope(rules: readonly Rule[]): ShadowScope | null {
    this.refreshIfChanged();
    if (this.shadowed === undefined) {
      const shadowing = rules
        .flatMap((rule) => this.store.current(rule.id))
        .filter(({ config }) => declaresShadow(config));
      const of = (scope: RuleConfigScope) => new Set(shadowing.filter((o) => o.scope === scope).map((o) => o.scopeId));
      this.shadowed =
        shadowing.length === 0
          ? null
          : { everyone: of('default').size > 0, insurers: of('insurer'), elevators: of('elevator') };
    }
    return this.shadowed;
  }

  private refreshIfChanged(): void {
    const generation = this.store.generation();
    if (generation === this.generation) return;
    this.generation = generation;
    this.overrides = new Map();
    this.shadowed = undefined;
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
  const { mode, shadow, own } = splitOverride(override.config);
  if ((mode !== undefined || shadow !== undefined) && rule.kind === 'scheduled') {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      `${rule.id} is a scheduled rule: only stream rules and detectors run in shadow`,
    );
  }
  if (mode === 'shadow' && critical(rule)) {
    throw new LiftwatchError(
      'LW_ERR_VALIDATION',
      `${rule.id} answers critical events and always runs live; give it a shadow config to try one beside it`,
    );
  }
  for (const [what, config] of [
    ['config', own],
    ['shadow config', { ...own, ...shadow }],
  ] as const) {
    const result = rule.configSchema.safeParse({ ...(rule.defaults as object), ...config });
    if (!result.success) {
      throw new LiftwatchError(
        'LW_ERR_VALIDATION',
        `Invalid ${what} for ${rule.id}: ${describeIssues(result.error).replaceAll('\n', '; ')}`,
      );
    }
  }
  return store.put({ rule: rule.id, ...override }, now);
}
