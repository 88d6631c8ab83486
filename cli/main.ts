import { parseArgs } from 'node:util';
import packageJson from '../package.json' with { type: 'json' };
import { isLiftwatchError } from '../lib/errors.js';
import { FleetError } from '../simulators/errors.js';
import { ScenarioError } from '../simulators/scenario.js';
import { TraceError } from '../simulators/trace.js';
import type { Command, Options } from './command.js';
import { apiCommand } from './commands/api.js';
import { benchCommand } from './commands/bench.js';
import { replayCommand } from './commands/replay.js';
import { reportCommand } from './commands/report.js';
import { rulesCommand } from './commands/rules.js';
import { scoreCommand } from './commands/score.js';
import { brokerCommand } from './commands/broker.js';
import { dashboardsCommand } from './commands/dashboards.js';
import { ingestCommand } from './commands/ingest.js';
import { simulateCommand } from './commands/simulate.js';
import { startCommand } from './commands/start.js';
import { UsageError } from './usage-error.js';

const COMMANDS: readonly Command[] = [
  startCommand,
  brokerCommand,
  ingestCommand,
  apiCommand,
  rulesCommand,
  simulateCommand,
  replayCommand,
  scoreCommand,
  reportCommand,
  dashboardsCommand,
  benchCommand,
];

/** Exit codes: 0 done, 1 failed while running, 2 bad configuration or command line. */
const EXIT = { failed: 1, usage: 2 } as const;

const ENVIRONMENT_HELP = `Configuration comes from the environment (see README, "Configuration"):
LW_DATA_DIR, LW_HOST, LW_MQTT_PORT, LW_MQTT_WS_PORT, LW_HTTP_PORT, LW_INFLUX_PORT, INFLUX_URL,
INFLUX_DB, INFLUX_USER, INFLUX_PASSWORD, LW_ADMIN_TOKEN, LW_MQTT_URL, LW_API_URL, ...`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `liftwatch: elevator telemetry and early warnings\n\nUsage: liftwatch <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`liftwatch <command> --help\` for a command's options, \`liftwatch --version\` for the version.\n\n${ENVIRONMENT_HELP}`;
}

function commandHelp(command: Command): string {
  return `Usage: liftwatch ${command.name} [options]\n\n${command.summary}.\n\n${command.help}\n\n${ENVIRONMENT_HELP}`;
}

/** Whether `word` is one of the command's options (or --help, -h) rather than a value. */
function isOption(word: string, options: Options): boolean {
  if (word.startsWith('--')) return Object.hasOwn(options, word.slice(2).split('=')[0] as string);
  return Object.values(options).some((option) => option.short !== undefined && word === `-${option.short}`);
}

/**
 * `--from -14d` read as `--from=-14d`. node's parseArgs refuses a value that starts with a dash
 * ("argument is ambiguous", in case the value was forgotten), but a time before now is written
 * so. A word that is itself one of the command's options still is not taken as a value.
 */
function joinDashValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const [word, next] = [args[index] as string, args[index + 1]];
    if (word === '--') return [...joined, ...args.slice(index)];
    const takesValue = word.startsWith('--') && options[word.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && next.length > 1 && next.startsWith('-') && !isOption(next, options)) {
      joined.push(`${word}=${next}`);
      index++;
    } else {
      joined.push(word);
    }
  }
  return joined;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview()}\n`);
    return name === undefined ? EXIT.usage : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`liftwatch ${packageJson.version}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`liftwatch: unknown command "${name}"\n\n${overview()}\n`);
    return EXIT.usage;
  }
  try {
    const options = { ...command.options, help: { type: 'boolean' as const, short: 'h' } };
    const { values, positionals } = parseArgs({
      args: joinDashValues(rest, options),
      options,
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
    if (values.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    await command.run(values, positionals);
    return 0;
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof TraceError) {
      process.stderr.write(`liftwatch ${name}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof FleetError) {
      process.stderr.write(`liftwatch ${name}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`liftwatch ${name}: ${(error as Error).message}\nRun \`liftwatch ${name} --help\`.\n`);
      return EXIT.usage;
    }
    if (isLiftwatchError(error) && error.code === 'LW_ERR_CONFIG') {
      process.stderr.write(`liftwatch: bad configuration (${error.code}):\n${error.message}\n`);
      return EXIT.usage;
    }
    if (isLiftwatchError(error)) {
      process.stderr.write(`liftwatch ${name}: ${error.message} (${error.code})\n`);
      return EXIT.failed;
    }
    process.stderr.write(`liftwatch ${name}: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
