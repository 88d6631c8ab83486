import path from 'node:path';
import { RECORDER_PRINCIPAL } from '../../contract/index.js';
import { loadConfig, type LiftwatchConfig } from '../../config/env.js';
import { createLogger } from '../../lib/logger.js';
import { buildPlayer } from '../../simulators/player.js';
import { buildRecorder } from '../../simulators/recorder.js';
import { readTrace } from '../../simulators/trace.js';
import { readAdminToken } from '../../store/admin-token.js';
import { requireAdminToken } from '../admin-key.js';
import type { Command, Values } from '../command.js';
import { untilSignal } from '../lifecycle.js';
import { say } from '../print.js';
import { UsageError } from '../usage-error.js';
import { parseDurationOption, parseSpeed } from '../values.js';

const PROGRESS_EVERY = '10s';

async function record(values: Values, config: LiftwatchConfig) {
  if (typeof values.out !== 'string') throw new UsageError('replay record needs --out FILE');
  const logger = createLogger(config.logLevel, config.logFormat);
  const ownBroker = values.username === undefined;
  const adminToken = ownBroker ? requireAdminToken(config) : readAdminToken(config.dataDir, config.adminToken);
  const recorder = buildRecorder({
    mqttUrl: typeof values.url === 'string' ? values.url : config.mqtt.url,
    username: ownBroker ? RECORDER_PRINCIPAL : String(values.username),
    password: ownBroker ? adminToken : (values.password as string | undefined),
    clientId:
      typeof values['client-id'] === 'string'
        ? values['client-id']
        : ownBroker
          ? RECORDER_PRINCIPAL
          : `liftwatch-recorder-${process.pid}`,
    out: values.out,
    api: values['no-registry'] || !adminToken ? null : { apiUrl: config.http.url, adminToken },
    logger,
  });
  await recorder.start();
  say(
    `replay record: recording into ${values.out}; stop with Ctrl-C${values.duration ? ` or after ${String(values.duration)}` : ''}`,
  );
  const progress = setInterval(
    () => {
      const { messages, elevators } = recorder.stats();
      say(`replay record: ${messages} messages from ${elevators} elevators`);
    },
    parseDurationOption('--progress-every', values['progress-every'], PROGRESS_EVERY),
  );
  const stop: Array<Promise<unknown>> = [untilSignal(logger)];
  let deadline: NodeJS.Timeout | undefined;
  if (values.duration !== undefined) {
    const ms = parseDurationOption('--duration', values.duration, '1m');
    stop.push(new Promise((resolve) => (deadline = setTimeout(resolve, ms))));
  }
  await Promise.race(stop);
  // Stopped by Ctrl-C before the duration: the pending timer must not keep the process alive.
  clearTimeout(deadline);
  clearInterval(progress);
  const { messages, elevators, registered } = await recorder.stop();
  say(
    `replay record: done. ${messages} messages from ${elevators} elevators (${registered} registry rows) in ${values.out}`,
  );
}

async function play(values: Values, config: LiftwatchConfig, file: string) {
  const logger = createLogger(config.logLevel, config.logFormat);
  const adminToken = requireAdminToken(config);
  const trace = await readTrace(file);
  const player = buildPlayer({
    trace,
    speed: parseSpeed(values.speed) ?? 1,
    mqttUrl: config.mqtt.url,
    api: { apiUrl: config.http.url, adminToken },
    credentialsFile:
      typeof values.credentials === 'string'
        ? values.credentials
        : path.join(config.dataDir, 'replay-credentials.json'),
    logger,
  });
  const progress = setInterval(
    () => {
      const { published, total, connected, elevators, errors } = player.stats();
      say(`replay play: ${published}/${total} messages, ${connected}/${elevators} connected, ${errors} errors`);
    },
    parseDurationOption('--progress-every', values['progress-every'], PROGRESS_EVERY),
  );
  void untilSignal(logger).then(() => player.stop());
  try {
    const summary = await player.run();
    if (values.json) say(JSON.stringify(summary));
    else {
      say(
        `replay play: done. ${summary.published} of ${summary.total} messages from ${summary.elevators} elevators in ${summary.wallSeconds.toFixed(1)} s`,
      );
      say(`  errors ${summary.errors}; lines skipped (not an elevator topic) ${summary.skipped}`);
    }
  } finally {
    clearInterval(progress);
  }
}

export const replayCommand: Command = {
  name: 'replay',
  summary: "record a broker's elevator traffic to a trace file, or publish a trace again",
  help: `liftwatch replay record --out FILE [--duration D]
  Subscribes to every elevator topic and writes each message with its arrival time as JSON
  lines. On liftwatch's broker it signs in as ${RECORDER_PRINCIPAL} with the admin key and adds
  each elevator's registry row (from LW_API_URL) so a replay can register it elsewhere. For any
  other broker give --url and --username/--password (or an empty --username for anonymous).

liftwatch replay play FILE [--speed X|max]
  Publishes the trace again through the liftwatch at LW_MQTT_URL / LW_API_URL: registers its
  elevators from the trace's registry rows (or reissues tokens of registered ones), connects each
  with its own credentials and publishes its messages in order, at the recorded pace times X.

Options:
  --out FILE            (record) the trace file to write
  --duration D          (record) stop after this long, e.g. 10m
  --url URL             (record) the broker, default LW_MQTT_URL
  --username U          (record) sign in as U instead of ${RECORDER_PRINCIPAL}
  --password P          (record) its password
  --client-id ID        (record) client id, default the username
  --no-registry         (record) leave registry rows out
  --speed X|max         (play) pace: 1 as recorded, 60 sixty times faster, max as fast as the broker takes it
  --credentials FILE    (play) tokens kept between replays (default $LW_DATA_DIR/replay-credentials.json)
  --progress-every D    progress line interval (default ${PROGRESS_EVERY})
  --json                (play) print the summary as JSON`,
  options: {
    out: { type: 'string' },
    duration: { type: 'string' },
    url: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    'client-id': { type: 'string' },
    'no-registry': { type: 'boolean' },
    speed: { type: 'string' },
    credentials: { type: 'string' },
    'progress-every': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(values, positionals) {
    const config = loadConfig();
    const [action, file, ...extra] = positionals;
    if (action === 'record' && file === undefined) return record(values, config);
    if (action === 'play' && file !== undefined && extra.length === 0) return play(values, config, file);
    throw new UsageError('use `liftwatch replay record --out FILE` or `liftwatch replay play FILE`');
  },
};
