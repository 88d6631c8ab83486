import { describe, expect, it } from 'vitest';
import { Gate } from '../../lib/gate.js';

describe('Gate', () => {
  it('runs at most its limit of tasks at once, the others in the order they came, each to its own end', async () => {
    const gate = new Gate(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const task = (index: number) =>
      gate.run(async () => {
        started.push(index);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return index;
      });
    const results = Promise.all([0, 1, 2, 3, 4].map(task));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await results).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('frees the place of a task that failed', async () => {
    const gate = new Gate(1);
    await expect(gate.run(() => Promise.reject(new Error('influxd down')))).rejects.toThrow('influxd down');
    expect(await gate.run(() => Promise.resolve('next'))).toBe('next');
  });
});
