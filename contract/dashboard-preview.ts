import { z } from 'zod';

/**
 * The Grafana dashboards' figures as `GET /api/dashboards/:uid` serves them, for the console's
 * dashboard page and `liftwatch dashboards preview`: every panel's frames, computed from the
 * dashboard's own queries as Grafana would, with what a chart needs to show them.
 */

export const DEFAULT_PREVIEW_DAYS = 7;
/** A longer range makes InfluxDB scan too much for a page that waits on it. */
export const MAX_PREVIEW_DAYS = 366;
/** A variable's "All", as Grafana writes it in a dashboard's address. */
export const ALL_VALUES = '$__all';
/** `var-district=渝中区` in the query string sets the variable `district`, as in Grafana's addresses. */
export const VARIABLE_PARAM_PREFIX = 'var-';

/** `GET /api/dashboards/:uid?from=&to=&var-NAME=`. */
export const dashboardPreviewQuerySchema = z
  .looseObject({
    from: z.iso.datetime({ offset: true }).optional().describe(`Default: ${DEFAULT_PREVIEW_DAYS} days before to`),
    to: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
  })
  .describe(
    `Also var-NAME=value for each variable (repeated for several, ${ALL_VALUES} for All); a variable left out is All, or its first value when it has no All`,
  );

export const fieldDisplaySchema = z.object({
  suffix: z.string().optional().describe('Text after the number: " 台", "%"'),
  factor: z.number().optional().describe('Shown multiplied by this: 100 for a share of one shown as a percentage'),
  decimals: z.int().optional(),
  mappings: z.record(z.string(), z.string()).optional().describe('Values shown as names: {"1": "正常"}'),
  color: z.string().optional().describe('A fixed colour, as Grafana names it'),
  thresholds: z
    .array(z.object({ value: z.number().nullable(), color: z.string() }))
    .optional()
    .describe('The colour from each value up; the first step (null) from below'),
  link: z
    .object({ dashboard: z.string(), variable: z.string() })
    .optional()
    .describe('A value opens this dashboard with the variable set to it'),
});
export type FieldDisplay = z.infer<typeof fieldDisplaySchema>;

export const previewFieldSchema = z.object({
  name: z.string().describe('"Time" for the times, as epoch milliseconds'),
  displayName: z.string().describe('What the panel calls it: legend, column header'),
  labels: z.record(z.string(), z.string()).optional(),
  config: fieldDisplaySchema,
  values: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).describe('null: no value (or not finite)'),
});
export type PreviewField = z.infer<typeof previewFieldSchema>;

export const previewFrameSchema = z.object({ refId: z.string(), fields: z.array(previewFieldSchema) });
export type PreviewFrame = z.infer<typeof previewFrameSchema>;

export const previewPanelSchema = z.object({
  id: z.int(),
  type: z.string().describe("Grafana's panel type: row, stat, timeseries, bargauge, table, state-timeline"),
  title: z.string(),
  description: z.string(),
  gridPos: z.object({ x: z.int(), y: z.int(), w: z.int(), h: z.int() }).describe("Grafana's 24-column grid"),
  stackedBars: z.boolean().optional().describe('timeseries: stacked bars rather than lines'),
  frames: z
    .array(previewFrameSchema)
    .describe(
      'timeseries: a frame per series; stat, bargauge: each series reduced to its last value; table: one frame, sorted',
    ),
  error: z.string().optional().describe('Why the panel could not be computed'),
});
export type PreviewPanel = z.infer<typeof previewPanelSchema>;

export const previewVariableSchema = z.object({
  name: z.string(),
  label: z.string(),
  multi: z.boolean(),
  includeAll: z.boolean(),
  options: z.array(z.string()).describe('Its tag values in InfluxDB (SHOW TAG VALUES), given the variables before it'),
  all: z.boolean(),
  selected: z.array(z.string()).describe('The values chosen; empty when all'),
});
export type PreviewVariable = z.infer<typeof previewVariableSchema>;

export const dashboardPreviewSchema = z.object({
  uid: z.string(),
  title: z.string(),
  description: z.string(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  variables: z.array(previewVariableSchema),
  panels: z.array(previewPanelSchema),
});
export type DashboardPreview = z.infer<typeof dashboardPreviewSchema>;

/** One row of `GET /api/dashboards`. */
export const dashboardSummarySchema = z.object({
  uid: z.string(),
  title: z.string(),
  description: z.string(),
  panels: z.int().describe('Panels with figures (rows left out)'),
});
export type DashboardSummary = z.infer<typeof dashboardSummarySchema>;
