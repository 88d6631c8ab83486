import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  elevatorIdSchema,
  shadowListQuerySchema,
  shadowPageSchema,
  shadowReportQuerySchema,
  shadowReportSchema,
  ticketSchema,
  type Principal,
} from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { backtest } from '../../rules/backtest.js';
import { putOverride } from '../../rules/config.js';
import { parseDuration } from '../../lib/duration.js';
import { ALL_RULES, ruleById } from '../../rules/registry.js';
import { shadowReportFrom, storeShadowSource } from '../../rules/shadow-report.js';
import type { Scanner } from '../../rules/scanner.js';
import type { Rule } from '../../rules/types.js';
import { RULE_CONFIG_SCOPES, type RuleOverride, type Store } from '../../store/types.js';
import { inScope, principalOf, scopeOf, type Auth } from '../auth.js';

export interface RuleRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
  readonly scanner: Scanner;
}

const scanBodySchema = z
  .object({
    /** A scheduled rule; every one when absent. */
    rule: z.string().optional(),
    /** One scan as of this time (default now)... */
    at: z.iso.datetime({ offset: true }).optional(),
    /** ...or one every `every` from `from` to `to` (a backfill). */
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    every: z.string().optional(),
  })
  .refine((body) => (body.from === undefined) === (body.to === undefined), 'give from and to together')
  .refine((body) => body.at === undefined || body.from === undefined, 'give either at, or from and to');

const scanReportSchema = z.object({
  rule: z.string(),
  asOf: z.iso.datetime(),
  findings: z.int(),
  opened: z.int(),
  resolved: z.int(),
});

const backtestBodySchema = z.object({
  rule: z.string(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  elevators: z.array(elevatorIdSchema).max(10_000).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

const backtestResultSchema = z.object({
  rule: z.string(),
  config: z.unknown(),
  faultsJudged: z.int().describe('Stream rules: the faults fed through the rule'),
  scans: z.int().describe('Scheduled rules: the scans run, one a day'),
  tickets: z.array(ticketSchema),
});

const overrideSchema = z.object({
  version: z.int(),
  rule: z.string(),
  scope: z.enum(RULE_CONFIG_SCOPES),
  scopeId: z.string(),
  config: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
});

const ruleSchema = z.object({
  id: z.string(),
  version: z.int(),
  kind: z.enum(['stream', 'detector', 'scheduled']),
  description: z.string(),
  /** Stream rules and detectors: the fault codes they look at. */
  codes: z.array(z.int()),
  /** Scheduled rules: when they run (cron, Asia/Shanghai). */
  schedule: z.string().nullable(),
  defaults: z.record(z.string(), z.unknown()),
  overrides: z.array(overrideSchema),
});

const putBodySchema = z.object({
  scope: z.enum(RULE_CONFIG_SCOPES),
  /** The insurer or elevator id; none for the default scope. */
  id: z.string().min(1).max(128).optional(),
  config: z.record(z.string(), z.unknown()),
});

function ruleOf(id: string): Rule {
  const rule = ruleById(id);
  if (!rule) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No rule ${id}`);
  return rule;
}

/** The rule catalogue, and its thresholds overridden for everyone, an insurer or an elevator. */
export const ruleRoutes: FastifyPluginAsyncZod<RuleRouteOptions> = async (app, { store, auth, telemetry, scanner }) => {
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');
  const adminOnly = auth.allow('admin');

  /**
   * An insurer's overrides are seen by that insurer and by a use unit with an elevator it insures
   * (they set that elevator's thresholds); the admin and the regulator see all.
   */
  const seesInsurer = (principal: Principal, insurer: string): boolean => {
    const scope = scopeOf(principal);
    if (scope.insurer !== undefined) return scope.insurer === insurer;
    if (scope.useUnit === undefined) return true;
    return store.elevators.list({ limit: 1 }, { insurer, useUnit: scope.useUnit }).items.length > 0;
  };

  /** Overrides for other insurers and their elevators are theirs alone. */
  const visible = (principal: Principal) => (override: RuleOverride) => {
    if (override.scope === 'default') return true;
    if (override.scope === 'insurer') return seesInsurer(principal, override.scopeId);
    const elevator = store.elevators.get(override.scopeId);
    return elevator !== undefined && inScope(principal, elevator);
  };

  const describe = (rule: Rule, principal: Principal) => ({
    id: rule.id,
    version: rule.version,
    kind: rule.kind,
    description: rule.description,
    codes: rule.kind === 'scheduled' ? [] : [...rule.codes],
    schedule: rule.kind === 'scheduled' ? rule.schedule : null,
    defaults: rule.defaults as Record<string, unknown>,
    overrides: store.ruleConfigs.current(rule.id).filter(visible(principal)),
  });

  app.get('/api/rules', { onRequest: readers, schema: { response: { 200: z.array(ruleSchema) } } }, async (request) =>
    ALL_RULES.map((rule) => describe(rule, principalOf(request))),
  );

  app.get(
    '/api/rules/:id',
    { onRequest: readers, schema: { params: z.object({ id: z.string() }), response: { 200: ruleSchema } } },
    async (request) => describe(ruleOf(request.params.id), principalOf(request)),
  );

  app.post(
    '/api/rules/scan',
    {
      onRequest: adminOnly,
      schema: { body: scanBodySchema, response: { 200: z.object({ reports: z.array(scanReportSchema) }) } },
    },
    async (request) => {
      const { rule, at, from, to, every } = request.body;
      const rules = rule === undefined ? null : [rule];
      if (from !== undefined && to !== undefined) {
        const everyMs = parseDuration(every ?? '1d');
        if (everyMs === null || everyMs <= 0)
          throw new LiftwatchError('LW_ERR_VALIDATION', 'every takes a duration such as 1d or 6h');
        return { reports: await scanner.backfill(rules, Date.parse(from), Date.parse(to), everyMs) };
      }
      const asOf = at === undefined ? Date.now() : Date.parse(at);
      return { reports: await scanner.backfill(rules, asOf, asOf, 1) };
    },
  );

  app.post(
    '/api/rules/backtest',
    { onRequest: adminOnly, schema: { body: backtestBodySchema, response: { 200: backtestResultSchema } } },
    async (request) => {
      const { rule, from, to, elevators, config } = request.body;
      return backtest(
        { rule, from: Date.parse(from), to: Date.parse(to), elevators, config },
        { telemetry, elevators: store.elevators, logger: request.log as Logger },
      );
    },
  );

  /** What the rules in shadow would have opened (docs/rules.md, "Shadow mode"): the admin's alone, as backtests. */
  app.get(
    '/api/rules/shadows',
    { onRequest: adminOnly, schema: { querystring: shadowListQuerySchema, response: { 200: shadowPageSchema } } },
    async (request) => store.shadows.list(request.query),
  );

  /** The rules in shadow against their live tickets over a period, as `liftwatch rules shadow-report` gives it. */
  app.get(
    '/api/rules/shadow-report',
    { onRequest: adminOnly, schema: { querystring: shadowReportQuerySchema, response: { 200: shadowReportSchema } } },
    async (request) => {
      const { from, to, rule } = request.query;
      if (Date.parse(to) <= Date.parse(from)) throw new LiftwatchError('LW_ERR_VALIDATION', 'to must come after from');
      if (rule !== undefined) ruleOf(rule);
      return shadowReportFrom(storeShadowSource(store), { from, to, rule });
    },
  );

  app.put(
    '/api/rules/:id/config',
    {
      onRequest: adminOnly,
      schema: { params: z.object({ id: z.string() }), body: putBodySchema, response: { 200: overrideSchema } },
    },
    async (request) => {
      const rule = ruleOf(request.params.id);
      const { scope, id, config } = request.body;
      return putOverride(
        store.ruleConfigs,
        rule,
        { scope, scopeId: id ?? '', config, createdBy: principalOf(request).id },
        new Date(),
      );
    },
  );
};
