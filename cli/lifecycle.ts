import type { Logger } from '../lib/logger.js';

/** Things to undo, undone in reverse order of acquisition, each at most once. */
export class Teardown {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  async run(logger: Logger): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.run();
      } catch (error) {
        logger.error({ err: error }, `stopping ${step.name} failed`);
      }
    }
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM. A second signal while shutting down exits at
 * once (the 'exit' hooks still stop child processes).
 */
export function untilSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const force = () => {
        logger.warn('second signal: exiting without waiting');
        process.exit(1);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
