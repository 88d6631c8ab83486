import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { credentialsFileIn } from '../simulators/api-client.js';
import type { DegradationName } from '../simulators/degradations.js';
import { build as buildFleet, type FleetStats } from '../simulators/fleet.js';
import { resolveScenario, type ScenarioInput } from '../simulators/scenario.js';
import type { Store } from '../store/types.js';
import type { Context } from './context.js';
import { say } from './print.js';
import type { RunningSystem } from './system.js';

const DAY_MS = 86_400_000;

export const DEMO_DEFAULTS = { elevators: 10, days: 30, speed: 1, progressEvery: '10s' } as const;
/** A year of history at most: a longer one is a long wait for a demo. */
export const MAX_DEMO_DAYS = 366;

export interface DemoOptions {
  readonly elevators: number;
  /** Days of history played at full speed before the fleet goes live. */
  readonly days: number;
  readonly speed: number;
  readonly progressMs: number;
}

/** The demo runs until liftwatch stops. */
const DEMO_DURATION = '3650d';
/** The same seed each time: the same elevators degrade, the same building loses power. */
const DEMO_SEED = 18;
/** Where the demo keeps its history's start and how far it has played, in the data directory. */
export const DEMO_FILE = 'demo.json';
/**
 * A run resumes a history by taking its models through it again without sending (about a second
 * for ten elevators and thirty days): past this much history, a run starts a new one instead.
 */
const MAX_RESUMED_HISTORY_MS = 90 * DAY_MS;

/** What wears out in the demo's fleet, each in this share of it. */
const DEGRADATIONS: ReadonlyArray<{ kind: DegradationName; share: number }> = [
  { kind: 'door-operator-wear', share: 0.3 },
  { kind: 'door-lock-wear', share: 0.2 },
  { kind: 'brake-wear', share: 0.2 },
  { kind: 'safety-circuit-intermittent', share: 0.1 },
  { kind: 'encoder-fault', share: 0.1 },
];
/**
 * When things happen, as shares of the history, so a short one (--demo-days) has them all too:
 * wear begins in its first third and shows for most of the rest; the power cut comes at 40%, the
 * entrapment at 75%.
 */
const HISTORY_SHARES = {
  onset: [0, 0.3],
  latent: [0.05, 0.15],
  minor: [0.3, 0.6],
  powerOff: 0.4,
  entrapment: 0.75,
} as const;
/** A power cut in the first building (four elevators to a use unit); passengers trapped in elevator 7. */
const POWER_CUT = { elevators: [1, 2, 3, 4], minutes: 90 } as const;
const ENTRAPMENT = { elevator: 7, minutes: 25 } as const;

/** The demo's history: where it starts, its shape, and how far it has been played and its messages acknowledged. */
const historySchema = z.object({
  fromMs: z.number(),
  days: z.int().min(1),
  elevators: z.int().min(1),
  playedTo: z.number(),
});
export type DemoHistory = z.infer<typeof historySchema>;

export function readHistory(file: string): DemoHistory | null {
  try {
    return historySchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

function writeHistory(file: string, history: DemoHistory): void {
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, JSON.stringify(history), { mode: 0o600 });
  fs.renameSync(partial, file);
}

/**
 * The history this run plays: the saved one from where it stopped, when it has the same shape and
 * stopped less than its length ago (the gap is played at full speed, nothing is sent twice);
 * otherwise a new one over the last `days`, starting no earlier than the saved one stopped.
 */
export function planHistory(
  saved: DemoHistory | null,
  wanted: Pick<DemoOptions, 'days' | 'elevators'>,
  now: number,
): { history: DemoHistory; resumed: boolean } {
  const length = wanted.days * DAY_MS;
  if (
    saved &&
    saved.days === wanted.days &&
    saved.elevators === wanted.elevators &&
    now - saved.playedTo <= length &&
    now - saved.fromMs <= Math.max(MAX_RESUMED_HISTORY_MS, length)
  ) {
    return { history: saved, resumed: true };
  }
  const fromMs = Math.max(now - length, saved?.playedTo ?? -Infinity);
  return { history: { fromMs, days: wanted.days, elevators: wanted.elevators, playedTo: fromMs }, resumed: false };
}

const share = (days: number, [min, max]: readonly [number, number]): [number, number] => [min * days, max * days];

/** The demo's fleet: wear that ends in tickets, half-monthly visits, a power cut and an entrapment. */
export function demoScenario(history: DemoHistory, speed: number): ScenarioInput {
  const { days, elevators } = history;
  return {
    name: 'demo',
    description: `${elevators} elevators: ${days} days of history, then live`,
    seed: DEMO_SEED,
    from: new Date(history.fromMs).toISOString(),
    duration: DEMO_DURATION,
    speed,
    fleet: { elevators },
    // A terminal dropping off fires its will, which the broker stamps with the wall clock: in a
    // history played faster than time that lands days after the terminal came back, and the
    // dashboards would show it offline while it is connected. The demo's terminals stay up.
    offlinePerWeek: 0,
    degradations: DEGRADATIONS.map(({ kind, share: fleetShare }) => ({
      kind,
      share: fleetShare,
      onsetDays: share(days, HISTORY_SHARES.onset),
      latentDays: share(days, HISTORY_SHARES.latent),
      minorDays: share(days, HISTORY_SHARES.minor),
    })),
    incidents: [
      {
        kind: 'power-off',
        elevators: [...POWER_CUT.elevators],
        atDays: HISTORY_SHARES.powerOff * days,
        minutes: POWER_CUT.minutes,
      },
      {
        kind: 'entrapment',
        elevators: [Math.min(ENTRAPMENT.elevator, elevators)],
        atDays: HISTORY_SHARES.entrapment * days,
        minutes: ENTRAPMENT.minutes,
      },
    ],
  };
}

/** Tickets in the store, all and critical. */
export function ticketCounts(store: Store): { all: number; critical: number } {
  const rows = store.tickets.countsByUseUnit(0, Number.MAX_SAFE_INTEGER);
  return {
    all: rows.reduce((sum, row) => sum + row.opened, 0),
    critical: rows.reduce((sum, row) => sum + (row.severity === 'critical' ? row.opened : 0), 0),
  };
}

const BAR_WIDTH = 24;
/** A terminal's progress bar is drawn again this often. */
const BAR_REDRAW_MS = 250;
const CLEAR_LINE = '\r\u001b[K';
const number = new Intl.NumberFormat('en');
const plural = (count: number, noun: string) => `${number.format(count)} ${noun}${count === 1 ? '' : 's'}`;

/** `███████░░░░░░░  52%` */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${'█'.repeat(done)}${'░'.repeat(width - done)} ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

interface HistoryProgress {
  readonly stats: FleetStats;
  readonly history: DemoHistory;
  readonly resumeAt: number;
  /** The last day end the scheduled rules were run as of (`resumeAt` before the first). */
  readonly scannedTo: number;
  readonly now: number;
  readonly tickets: { all: number; critical: number };
}

/**
 * The history's progress in words, with a bar drawn in place on a terminal: half of it the days
 * played, half the days the scheduled rules were run as of (they follow once InfluxDB holds a day).
 */
export function historyLine(progress: HistoryProgress, bar: boolean): string {
  const { stats, history, resumeAt, scannedTo, now, tickets } = progress;
  if (stats.phase === 'registering')
    return `demo: registering ${stats.elevators} elevators, ${stats.registered} so far`;
  if (stats.phase === 'connecting') return `demo: connecting, ${stats.connected}/${stats.elevators} elevators`;
  const days = (at: number) => Math.max(0, Math.floor((at - history.fromMs) / DAY_MS));
  if (stats.simulatedTo < resumeAt)
    return `demo: resuming, the elevators going through their history again up to day ${days(resumeAt) + 1}: day ${days(stats.simulatedTo) + 1}`;
  const played = Math.min(1, Math.max(0, (stats.simulatedTo - resumeAt) / Math.max(1, now - resumeAt)));
  const toScan = days(now) - days(resumeAt);
  const scanned = toScan === 0 ? played : (days(scannedTo) - days(resumeAt)) / toScan;
  const fraction = (played + scanned) / 2;
  const where = `day ${Math.min(days(stats.simulatedTo) + 1, days(now))} of ${days(now)} played, ${days(scannedTo)} judged`;
  const figures = `${plural(stats.published, 'message')}, ${plural(tickets.all, 'ticket')} (${tickets.critical} critical)`;
  if (bar) return `demo: history ${progressBar(fraction)}  ${where}  ${figures}`;
  return `demo: history ${Math.floor(fraction * 100)}% (${where}): ${figures}`;
}

/**
 * The scheduled rules as of each day end the history reaches, one day after the other, each once
 * InfluxDB holds everything sent until then. The fleet plays on meanwhile (and goes live once they
 * are done): when InfluxDB writes more slowly than the fleet sends, they follow once it has caught up.
 */
function historyScans(context: Context, system: RunningSystem, scanned: (asOf: number) => void) {
  let queue = Promise.resolve();
  let stopped = false;
  return {
    add(asOf: number): Promise<void> {
      queue = queue
        .then(async () => {
          if (stopped) return;
          await system.ingest.flush();
          await system.rules.scanner.backfill(null, asOf, asOf, DAY_MS);
          scanned(asOf);
        })
        .catch((error: unknown) => context.logger.error({ err: error, asOf }, 'demo: scheduled rules failed'));
      return queue;
    },
    /** Scans still queued are dropped (the next run scans those days); the one under way ends. */
    stop() {
      stopped = true;
      return queue;
    },
  };
}

/**
 * The demo's fleet through the real path: first its history (the last `days`, or what is left of
 * it since the last run) at full speed with the scheduled rules run as of each simulated day and
 * a progress bar, so the console opens on tickets and the dashboards on figures; then live.
 */
export function startDemo(context: Context, system: RunningSystem, demo: DemoOptions): void {
  const { config, logger, metrics, store, admin, teardown } = context;
  const file = path.join(config.dataDir, DEMO_FILE);
  const { history, resumed } = planHistory(readHistory(file), demo, Date.now());
  const resumeAt = history.playedTo;
  // How far the history is played, its messages stored and its days scanned: where a next run goes on.
  let playedTo = resumeAt;
  let scannedTo = resumeAt;
  const save = () => writeHistory(file, { ...history, playedTo });
  save();
  const started = Date.now();
  const tty = Boolean(process.stdout.isTTY);
  const scans = historyScans(context, system, (asOf) => {
    scannedTo = playedTo = asOf;
    save();
  });
  // A scan as of now would judge a history still arriving; the history's own days are scanned as of each.
  system.rules.scheduler.pause();
  const fleet = buildFleet({
    scenario: resolveScenario(demoScenario(history, demo.speed)),
    mqttUrl: system.mqttUrl,
    api: { apiUrl: system.httpUrl, adminToken: admin.token },
    credentialsFile: credentialsFileIn(config.dataDir),
    logger: logger.child({ component: 'simulator' }),
    catchUp: { resumeAt, onDay: (asOf) => scans.add(asOf) },
  });
  let live: NodeJS.Timeout | undefined;
  const running = fleet
    .run()
    .then(({ simulatedTo }) => {
      if (live) playedTo = Math.max(playedTo, Date.parse(simulatedTo));
    })
    .catch((error: unknown) => say(`${tty ? CLEAR_LINE : ''}demo: stopped: ${(error as Error).message}`));

  const progress = (): HistoryProgress => ({
    stats: fleet.stats(),
    history,
    resumeAt,
    scannedTo,
    now: Date.now(),
    tickets: ticketCounts(store),
  });
  const goLive = () => {
    system.rules.scheduler.resume();
    const seconds = Math.round((Date.now() - started) / 1000);
    const { stats, tickets } = progress();
    if (tty) process.stdout.write(CLEAR_LINE);
    say(
      `demo: history played in ${seconds} s (${plural(stats.published, 'message')}): ${plural(tickets.all, 'ticket')}, ${tickets.critical} critical`,
    );
    say(`demo: see them in the console, ${system.httpUrl}/console, signed in with the admin key`);
    say(`demo: now live, ${demo.elevators} elevators publishing; a progress line every ${demo.progressMs / 1000} s`);
    live = setInterval(async () => {
      const { connected, published, simulatedTo } = fleet.stats();
      playedTo = Math.max(playedTo, simulatedTo);
      save();
      const stored = (await metrics.pointsWritten.get()).values[0]?.value ?? 0;
      say(
        `demo: ${connected}/${demo.elevators} elevators connected, ${published} messages published, ${stored} points stored in InfluxDB`,
      );
    }, demo.progressMs);
  };
  const playing = setInterval(
    () => {
      const now = progress();
      const { phase } = now.stats;
      if (phase === 'running' || phase === 'done') {
        clearInterval(playing);
        // Done before running: the fleet stopped, and said why.
        if (phase === 'running') goLive();
        else system.rules.scheduler.resume();
      } else if (tty) {
        process.stdout.write(`${CLEAR_LINE}${historyLine(now, true)}`);
      } else {
        say(historyLine(now, false));
      }
    },
    tty ? BAR_REDRAW_MS : demo.progressMs,
  );
  teardown.add('demo fleet', async () => {
    clearInterval(playing);
    clearInterval(live);
    fleet.stop();
    const scanned = scans.stop();
    await running;
    await scanned;
    save();
  });
  const what = resumed
    ? `going on from ${new Date(resumeAt).toISOString()}, where the last run stopped`
    : `first the last ${plural(history.days, 'day')} at full speed`;
  say(`demo: ${history.elevators} simulated elevators, ${what}, then live`);
}
