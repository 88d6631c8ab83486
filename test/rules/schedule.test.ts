import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { shanghaiClock, shanghaiMidnight, shanghaiMonday, shanghaiMonthStart } from '../../lib/shanghai.js';
import { DIGEST_SCHEDULES, periodBefore } from '../../rules/digests.js';
import { Scheduler } from '../../rules/scheduler.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('Asia/Shanghai calendar', () => {
  it('has its days, weeks and months start at local midnight (16:00 UTC the day before)', () => {
    const wednesday = at('2026-11-25T03:00:00+08:00');
    expect(iso(shanghaiMidnight(wednesday))).toBe('2026-11-24T16:00:00.000Z');
    expect(iso(shanghaiMonday(wednesday))).toBe('2026-11-22T16:00:00.000Z');
    expect(iso(shanghaiMonthStart(wednesday))).toBe('2026-10-31T16:00:00.000Z');
    expect(iso(shanghaiMonthStart(at('2026-01-10T12:00:00+08:00'), 1))).toBe('2025-11-30T16:00:00.000Z');
    expect(shanghaiClock(at('2026-11-28T23:30:00+08:00'))).toEqual({ hour: 23, weekend: true });
  });

  it('drafts digests for the last complete day, week (Monday to Sunday) and month', () => {
    const run = at('2026-12-01T08:00:00+08:00');
    expect(periodBefore('daily', run)).toEqual({
      start: at('2026-11-30T00:00:00+08:00'),
      end: at('2026-12-01T00:00:00+08:00'),
    });
    expect(periodBefore('weekly', run)).toEqual({
      start: at('2026-11-23T00:00:00+08:00'),
      end: at('2026-11-30T00:00:00+08:00'),
    });
    expect(periodBefore('monthly', run)).toEqual({
      start: at('2026-11-01T00:00:00+08:00'),
      end: at('2026-12-01T00:00:00+08:00'),
    });
  });
});

describe('Scheduler', () => {
  it('runs its jobs on cron in Asia/Shanghai: 08:00 there is midnight UTC', async () => {
    const scheduler = new Scheduler(pino({ level: 'silent' }));
    onTestFinished(() => scheduler.stop());
    scheduler.start([{ name: 'daily digest', schedule: DIGEST_SCHEDULES.daily, run: async () => undefined }]);
    const [daily] = scheduler.nextRuns();
    expect(daily?.name).toBe('daily digest');
    expect(daily?.next).toMatch(/T00:00:00\.000Z$/);
  });

  it('keeps going after a job fails', async () => {
    const scheduler = new Scheduler(pino({ level: 'silent' }));
    onTestFinished(() => scheduler.stop());
    let runs = 0;
    scheduler.start([
      {
        name: 'flaky',
        schedule: '* * * * * *',
        run: async () => {
          runs++;
          throw new Error('boom');
        },
      },
    ]);
    await expect.poll(() => runs, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
  });

  it('skips the runs that fall due while paused (a backfill playing the past), and runs again once resumed', async () => {
    const scheduler = new Scheduler(pino({ level: 'silent' }));
    onTestFinished(() => scheduler.stop());
    let runs = 0;
    scheduler.start([{ name: 'every second', schedule: '* * * * * *', run: async () => void runs++ }]);
    scheduler.pause();
    const paused = runs;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(runs).toBe(paused);
    scheduler.resume();
    await expect.poll(() => runs, { timeout: 5000 }).toBeGreaterThan(paused);
  });
});
