import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../lib/logger.js';
import { credentialsFileIn } from '../../simulators/api-client.js';
import { build as buildFleet, type FleetStats, type FleetSummary, type Shard } from '../../simulators/fleet.js';
import { readScenarioFile, resolveScenario, shippedScenarios, type ScenarioInput } from '../../simulators/scenario.js';
import { requireAdminToken } from '../admin-key.js';
import type { Command, Values } from '../command.js';
import { untilSignal } from '../lifecycle.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';
import { parseCount, parseDurationOption, parseSpeed } from '../values.js';

const DEFAULTS = { elevators: 10, duration: '1h', progressEvery: '10s' } as const;
const SHARD_PATTERN = /^(\d+)\/(\d+)$/;

function parseShard(value: string | boolean | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const match = SHARD_PATTERN.exec(String(value));
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || index < 1 || index > count)
    throw new UsageError(`--shard takes i/n with 1 <= i <= n, such as 2/8, not ${String(value)}`);
  return { index: index - 1, count };
}

/** The scenario (a file, a shipped one, or a plain fleet) with the command line's overrides. */
function scenarioFrom(values: Values) {
  const base = (
    typeof values.scenario === 'string'
      ? readScenarioFile(values.scenario)
      : {
          file: 'command line',
          input: { name: 'command-line', fleet: { elevators: DEFAULTS.elevators }, duration: DEFAULTS.duration },
        }
  ) as { file: string; input: ScenarioInput };
  const input = { ...base.input, fleet: { ...base.input.fleet } };
  if (values.elevators !== undefined)
    input.fleet.elevators = parseCount('--elevators', values.elevators, DEFAULTS.elevators);
  if (typeof values.prefix === 'string') input.fleet.idPrefix = values.prefix;
  if (values.seed !== undefined) input.seed = Number(values.seed);
  if (typeof values.from === 'string') input.from = values.from;
  if (typeof values.duration === 'string') input.duration = values.duration;
  const speed = parseSpeed(values.speed);
  if (speed !== undefined) input.speed = speed;
  return resolveScenario(input, Date.now(), base.file);
}

function progressLine(stats: FleetStats, perSecond: number): string {
  if (stats.phase === 'registering')
    return `simulate: registering elevators through the API, ${stats.registered} so far`;
  if (stats.phase === 'connecting')
    return `simulate: connecting, ${stats.connected}/${stats.elevators} elevators connected`;
  const simulated = new Date(stats.simulatedTo).toISOString().slice(0, 16).replace('T', ' ');
  return `simulate: ${simulated} simulated, ${stats.published} messages (${perSecond}/s), ${stats.connected}/${stats.elevators} connected, ${stats.errors} errors`;
}

function summaryLines(summary: FleetSummary): string[] {
  const kinds = Object.entries(summary.byKind).map(([kind, count]) => `${kind} ${count}`);
  const truth = Object.entries(summary.truth).map(([category, count]) => `${category} ${count}`);
  return [
    `simulate: done. Scenario ${summary.scenario}, ${summary.elevators} elevators, ${summary.simulatedFrom} to ${summary.simulatedTo}`,
    `  published   ${summary.published} messages in ${summary.runSeconds.toFixed(1)} s (${summary.messagesPerSecond}/s), ${summary.wallSeconds.toFixed(1)} s with registering and connecting`,
    `  by kind     ${kinds.join(', ') || 'none'}`,
    `  errors      ${summary.errors}; terminals dropped offline ${summary.disconnects} times`,
    `  truth       ${truth.join(', ') || 'nothing happened'}`,
  ];
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'drive a simulated fleet with ground truth through a running liftwatch',
  help: `Plans a fleet from a scenario (building profiles, maintenance, power cuts, offline periods,
degradations and sudden critical events), registers the elevators through the HTTP API (LW_API_URL,
with LW_ADMIN_TOKEN or $LW_DATA_DIR/admin-token) or reuses their tokens, connects each to the broker
(LW_MQTT_URL) with its own credentials, and publishes its traffic in simulated time.

Options:
  --scenario NAME|FILE   a YAML or JSON scenario file, or a shipped one: ${shippedScenarios().join(', ')}
  --elevators N          fleet size, 1 to 300000 (default ${DEFAULTS.elevators} without a scenario)
  --from WHEN            simulated start: now, an ISO date, or a duration before now such as -90d
  --duration D           simulated time to run, e.g. 30m, 6h, 90d (default ${DEFAULTS.duration} without a scenario)
  --speed X|max          simulated seconds per second (60 = an hour a minute), or max: as fast as the broker takes it
  --seed N               same seed, same fleet and traffic
  --prefix P             elevator id prefix (default SIM)
  --truth FILE           write the ground truth as JSON lines
  --shard i/n            drive only elevators i, i+n, i+2n, ... (one process holds about 19,000 connections)
  --credentials FILE     device tokens kept between runs (default $LW_DATA_DIR/simulator-credentials.json)
  --progress-every D     progress line interval (default ${DEFAULTS.progressEvery})
  --json                 print the summary as one JSON object (progress goes to stderr)`,
  options: {
    scenario: { type: 'string' },
    elevators: { type: 'string' },
    from: { type: 'string' },
    duration: { type: 'string' },
    speed: { type: 'string' },
    seed: { type: 'string' },
    prefix: { type: 'string' },
    truth: { type: 'string' },
    shard: { type: 'string' },
    credentials: { type: 'string' },
    'progress-every': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const config = loadConfig();
    const logger = createLogger(config.logLevel, config.logFormat);
    const scenario = scenarioFrom(values);
    const shard = parseShard(values.shard);
    const progressMs = parseDurationOption('--progress-every', values['progress-every'], DEFAULTS.progressEvery);
    const adminToken = requireAdminToken(config);
    const defaultCredentials = credentialsFileIn(config.dataDir, shard);
    const fleet = buildFleet({
      scenario,
      shard,
      mqttUrl: config.mqtt.url,
      api: { apiUrl: config.http.url, adminToken },
      credentialsFile: typeof values.credentials === 'string' ? values.credentials : defaultCredentials,
      truthFile: typeof values.truth === 'string' ? values.truth : undefined,
      logger,
    });
    const tell = values.json ? (line: string) => process.stderr.write(`${line}\n`) : say;
    let lastPublished = 0;
    const progress = setInterval(() => {
      const stats = fleet.stats();
      tell(progressLine(stats, Math.round(((stats.published - lastPublished) * 1000) / progressMs)));
      lastPublished = stats.published;
    }, progressMs);
    void untilSignal(logger).then(() => fleet.stop());
    try {
      const summary = await fleet.run();
      if (values.json) say(JSON.stringify(summary));
      else summaryLines(summary).forEach((line) => say(line));
    } finally {
      clearInterval(progress);
    }
  },
};
