import type { ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text shown by `--help`, after the command line. */
  readonly help: string;
  readonly options: Options;
  /** Whether the command takes words after its name (a subcommand, a file). */
  readonly positionals?: boolean;
  run(values: Values, positionals: readonly string[]): Promise<void>;
}
