import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../lib/logger.js';
import type { Scanner } from './scanner.js';

export const TIMEZONE = 'Asia/Shanghai';

export interface Job {
  readonly name: string;
  /** node-cron expression in Asia/Shanghai. */
  readonly schedule: string;
  run(now: Date): Promise<unknown>;
}

/** The scheduled rules as jobs, each on its own schedule. */
export function scanJobs(scanner: Scanner): Job[] {
  return scanner.rules.map((rule) => ({
    name: `scan ${rule.id}`,
    schedule: rule.schedule,
    run: (now: Date) => scanner.scan(rule, now.getTime(), now),
  }));
}

/**
 * Runs jobs on node-cron in Asia/Shanghai, never two runs of one job at once; a failing run is
 * logged and the next one still comes.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private paused = false;

  constructor(private readonly logger: Logger) {}

  start(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const task = cron.schedule(
        job.schedule,
        async () => {
          if (this.paused) return this.logger.debug({ job: job.name }, 'scheduled job skipped: paused');
          try {
            await job.run(new Date());
          } catch (error) {
            this.logger.error({ err: error, job: job.name }, 'scheduled job failed');
          }
        },
        { name: job.name, timezone: TIMEZONE, noOverlap: true },
      );
      this.tasks.push(task);
    }
  }

  /**
   * Skips the runs that fall due until `resume()`: while a backfill plays the past (the demo's
   * history), a scan as of now would judge a history still arriving (every terminal silent for days).
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  nextRuns(): Array<{ name: string; next: string | null }> {
    return this.tasks.map((task) => ({ name: task.name ?? '', next: task.getNextRun()?.toISOString() ?? null }));
  }

  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
  }
}
