import { z } from 'zod';

export const componentHealthSchema = z.object({
  status: z.enum(['up', 'down']),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type ComponentHealth = z.infer<typeof componentHealthSchema>;

export const healthReportSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  components: z.record(z.string(), componentHealthSchema),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

/** A named probe of one component running in this process. */
export type HealthCheck = () => Promise<ComponentHealth> | ComponentHealth;

/** Runs every probe; a probe that throws reports its component down with the error. */
export async function checkHealth(checks: Readonly<Record<string, HealthCheck>>): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, ComponentHealth]> => {
      try {
        return [name, await check()];
      } catch (error) {
        return [name, { status: 'down', detail: { error: (error as Error).message } }];
      }
    }),
  );
  const components = Object.fromEntries(entries);
  const allUp = entries.every(([, health]) => health.status === 'up');
  return { status: allUp ? 'ok' : 'degraded', components };
}

/** The report without any component's details: what a caller without the admin key is told. */
export function statesOnly(report: HealthReport): HealthReport {
  const components = Object.fromEntries(
    Object.entries(report.components).map(([name, { status }]): [string, ComponentHealth] => [name, { status }]),
  );
  return { status: report.status, components };
}
