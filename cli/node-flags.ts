import path from 'node:path';

/**
 * The flags node runs liftwatch with, wherever it is started: the first line of
 * bin/liftwatch.mjs, `npm start`, the Docker image and the benchmarks (a test keeps them equal).
 * A young generation of 64 MB instead of V8's 16: a busy broker's messages are still in use at a
 * scavenge (waiting for the spool's fsync), and each one copied to the old generation is later
 * work for a major collection. With it pipeline-throughput carried 9% more messages a second
 * (medians of 4 rounds) and a city of 300,000 elevators spent 26 s collecting garbage instead of
 * 44, for 50 to 100 MiB more memory; 128 MB did no better.
 */
export const NODE_FLAGS = ['--max-semi-space-size=64'] as const;

/** The script `node …NODE_FLAGS` runs: the `liftwatch` command. */
export const LIFTWATCH_BIN = path.join(import.meta.dirname, '..', 'bin', 'liftwatch.mjs');
