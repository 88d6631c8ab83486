import type { ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text shown by `--help`, after the command line. */
  readonly help: string;
  readonly options: Options;
  run(values: Values): Promise<void>;
}
