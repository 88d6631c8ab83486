/** Benchmark names and `--flag value` pairs from the command line. */
export type BenchFlags = Readonly<Record<string, string>>;

export class BenchUsageError extends Error {}

export function parseBenchArgs(argv: readonly string[], known: readonly string[]) {
  const names: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word.startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new BenchUsageError(`${word} needs a value`);
      flags[word.slice(2)] = value;
      i++;
    } else if (known.includes(word)) names.push(word);
    else throw new BenchUsageError(`unknown benchmark ${word}; there are: ${known.join(', ')}`);
  }
  return { names, flags };
}

/** A positive number flag, or its default; anything else is a usage error naming the flag. */
export function numberFlag(flags: BenchFlags, name: string, fallback: number): number {
  const text = flags[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new BenchUsageError(`--${name} must be a positive number, not ${text}`);
  return value;
}
