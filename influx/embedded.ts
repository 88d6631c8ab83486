import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { findExecutable, niceCommand, setSessionNiceness } from '../lib/priority.js';
import { InfluxHttpStore } from './http-store.js';
import { InfluxQueryError } from './types.js';

export interface EmbeddedInfluxOptions {
  /** Directory for meta, data, WAL, config, pid, log and password: `$LW_DATA_DIR/influxdb`. */
  readonly dir: string;
  /** On 127.0.0.1, whatever LW_HOST is: only liftwatch talks to it. */
  readonly port: number;
  /** `influxd` on PATH, or a path to it. */
  readonly binary: string;
  /**
   * The CPU niceness influxd runs at (0-19; 0 is liftwatch's own). On a shared machine the
   * broker's acknowledgements and critical tickets then come before InfluxDB's compactions,
   * whose points wait safely in the spool. Default 0.
   */
  readonly niceness?: number;
  /**
   * Settings of its `[data]` section over liftwatch's (benchmarks compare InfluxDB's tunings
   * with them, e.g. `{ 'cache-snapshot-memory-size': 268435456 }`). Default none.
   */
  readonly dataSettings?: DataSettings;
  readonly logger: Logger;
  /** How long to wait for /ping after spawning. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** How long SIGTERM may take before SIGKILL. Default 15 s. */
  readonly stopTimeoutMs?: number;
  /**
   * Whether influxd asks for credentials: liftwatch's admin user, made at the first start with a
   * password generated into `<dir>/password` (0600). Default true; only the tests' own influxd goes without.
   */
  readonly auth?: boolean;
}

/** The user and password liftwatch's requests to its local influxd carry. */
export interface InfluxCredentials {
  readonly user: string;
  readonly password: string;
}

/** Where influxd listens: loopback only, so nothing but this machine reaches it. */
const HOST = '127.0.0.1';
/** liftwatch's admin user in its local influxd. */
const ADMIN_USER = 'liftwatch';
/** The admin's password, in the influxd directory. */
const PASSWORD_FILE = 'password';
/** 32 random bytes, as base64url: 43 characters of A-Z, a-z, 0-9, - and _. */
const PASSWORD_BYTES = 32;
const PRIVATE_FILE_MODE = 0o600;
/** What influxd answers, while it has no admin user, to anything but creating one. */
const NO_ADMIN_YET = /create admin user first/;

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const PING_INTERVAL_MS = 100;
/** How long one request to a starting influxd may take. */
const ANSWER_TIMEOUT_MS = 1000;
const RESTART_DELAY_MS = { first: 1000, max: 30_000 } as const;
const LOG_TAIL_BYTES = 2000;
/**
 * The cache is written to disk every 8 MB instead of influxd's 25 MB. A city's points are one a
 * minute on each of millions of keys: smaller snapshots and the compactions after them are
 * shorter, and fill two cores at once less often (benchmarks influxd-alone and city-traffic).
 */
const CACHE_SNAPSHOT_BYTES = 8 * 1024 * 1024;

const toml = (value: string | number | boolean) => JSON.stringify(value);

/** Whether something already listens there: then a /ping answer would come from it, not from our influxd. */
function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

/** Values of influxd's TOML settings: strings are quoted, numbers and booleans are not. */
export type DataSettings = Readonly<Record<string, string | number | boolean>>;

/**
 * The whole configuration: HTTP on 127.0.0.1:port only, with authentication unless `auth` is
 * false, the RPC (backup) service on loopback with a port of the kernel's choosing, no usage
 * reporting, no _internal monitor database, and no per-tag or per-database series limit (the
 * default refuses the 100,001st elevator id).
 */
export function influxdConfig(dir: string, port: number, dataSettings: DataSettings = {}, auth = true): string {
  const data: DataSettings = {
    dir: path.join(dir, 'data'),
    'wal-dir': path.join(dir, 'wal'),
    // The series index on disk: the in-memory one held 7-9 GiB for 300,000 elevators' series.
    'index-version': 'tsi1',
    'query-log-enabled': false,
    'max-series-per-database': 0,
    'max-values-per-tag': 0,
    'cache-snapshot-memory-size': CACHE_SNAPSHOT_BYTES,
    ...dataSettings,
  };
  const dataLines = Object.entries(data).map(([name, value]) => `  ${name} = ${toml(value)}`);
  return `# Written by liftwatch at each start; edits are overwritten.
reporting-disabled = true
bind-address = "127.0.0.1:0"

[meta]
  dir = ${toml(path.join(dir, 'meta'))}
  logging-enabled = false

[data]
${dataLines.join('\n')}

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[http]
  enabled = true
  bind-address = ${toml(`${HOST}:${port}`)}
  auth-enabled = ${toml(auth)}
  log-enabled = false
  pprof-enabled = false

[continuous_queries]
  log-enabled = false
`;
}

/** liftwatch's credentials for the local influxd of `dir`, as `start` generated them; undefined before. */
export function readCredentials(dir: string): InfluxCredentials | undefined {
  try {
    const password = fs.readFileSync(path.join(dir, PASSWORD_FILE), 'utf8').trim();
    return password ? { user: ADMIN_USER, password } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The password of `dir`, generated (written 0600, then renamed into place) the first time. */
function ensurePassword(dir: string): InfluxCredentials {
  const existing = readCredentials(dir);
  const file = path.join(dir, PASSWORD_FILE);
  if (existing) {
    fs.chmodSync(file, PRIVATE_FILE_MODE);
    return existing;
  }
  const password = randomBytes(PASSWORD_BYTES).toString('base64url');
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  fs.writeFileSync(partial, `${password}\n`, { mode: PRIVATE_FILE_MODE, flush: true });
  fs.renameSync(partial, file);
  return { user: ADMIN_USER, password };
}

function processCommandLine(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (processCommandLine(pid) === null) return true;
    await sleep(PING_INTERVAL_MS);
  }
  return false;
}

export type EmbeddedInfluxState = 'stopped' | 'starting' | 'running' | 'restarting';

/** Starts, watches and stops a local influxd as a child process. */
export class EmbeddedInflux {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartDelayMs: number = RESTART_DELAY_MS.first;
  private currentState: EmbeddedInfluxState = 'stopped';
  private readonly configFile: string;
  private readonly pidFile: string;
  private readonly logFile: string;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');
  private admin: InfluxCredentials | undefined;

  constructor(private readonly options: EmbeddedInfluxOptions) {
    this.configFile = path.join(options.dir, 'influxdb.conf');
    this.pidFile = path.join(options.dir, 'influxd.pid');
    this.logFile = path.join(options.dir, 'influxd.log');
  }

  get url(): string {
    return `http://${HOST}:${this.options.port}`;
  }

  /** What every request to it must carry, once started; undefined without authentication. */
  get credentials(): InfluxCredentials | undefined {
    return this.admin;
  }

  get state(): EmbeddedInfluxState {
    return this.currentState;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const binary = findExecutable(this.options.binary);
    if (!binary) {
      throw new LiftwatchError(
        'LW_ERR_INFLUXD_MISSING',
        `influxd (${this.options.binary}) is not installed. Install Debian's InfluxDB with ` +
          '`apt-get install -y influxdb`, or set INFLUX_URL to an InfluxDB 1.x API.',
      );
    }
    await this.stopLeftover();
    const { dir, port, auth = true } = this.options;
    if (await portTaken(HOST, port)) {
      throw new LiftwatchError(
        'LW_ERR_INFLUXD_START',
        `Cannot start influxd: ${HOST}:${port} is already in use. Set LW_INFLUX_PORT to a free port, or INFLUX_URL to use a running InfluxDB.`,
      );
    }
    fs.mkdirSync(dir, { recursive: true });
    this.admin = auth ? ensurePassword(dir) : undefined;
    fs.writeFileSync(this.configFile, influxdConfig(dir, port, this.options.dataSettings, auth));
    this.stopping = false;
    this.currentState = 'starting';
    process.on('exit', this.killOnExit);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    await this.spawnAndWait(binary);
    if (this.admin) {
      await this.claimAdmin(this.admin, deadline).catch(async (error: unknown) => {
        await this.stop();
        throw error;
      });
    }
    this.currentState = 'running';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.off('exit', this.killOnExit);
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null) {
      child.kill('SIGTERM');
      const stopTimeout = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
      if (!(await waitForExit(child.pid, stopTimeout))) {
        this.options.logger.warn({ pid: child.pid }, 'influxd did not stop in time; killing it');
        child.kill('SIGKILL');
        await waitForExit(child.pid, stopTimeout);
      }
    }
    this.child = null;
    fs.rmSync(this.pidFile, { force: true });
    this.currentState = 'stopped';
  }

  /**
   * Makes sure liftwatch's credentials open influxd as its admin. While influxd has no user (the
   * first start, or a directory an earlier version ran without authentication, whose data stays)
   * it takes one statement from anyone, creating the first admin: liftwatch sends it as soon as
   * influxd answers, on loopback. Should someone on this machine be quicker, or the password file
   * no longer match, the credentials fail and liftwatch refuses an influxd someone else holds.
   */
  private async claimAdmin(credentials: InfluxCredentials, deadline: number): Promise<void> {
    const store = new InfluxHttpStore({ url: this.url, db: '', timeoutMs: ANSWER_TIMEOUT_MS, ...credentials });
    const passwordFile = path.join(this.options.dir, PASSWORD_FILE);
    let last = '';
    while (Date.now() < deadline) {
      try {
        await store.query('SHOW USERS');
        return;
      } catch (error) {
        const status = error instanceof InfluxQueryError ? error.status : 0;
        if (status === 401) {
          throw new LiftwatchError(
            'LW_ERR_INFLUXD_START',
            `influxd in ${this.options.dir} refuses user ${credentials.user} with the password in ${passwordFile}: ` +
              'its admin user was made by someone else, or with a password since lost. Restore the password file, ' +
              'or move the directory away to start afresh.',
          );
        }
        last = (error as Error).message;
        if (status === 403 && NO_ADMIN_YET.test(last)) {
          const create = `CREATE USER ${ADMIN_USER} WITH PASSWORD $password WITH ALL PRIVILEGES`;
          await store.query(create, { password: credentials.password }).catch((failed: unknown) => {
            last = (failed as Error).message;
          });
        }
      }
      await sleep(PING_INTERVAL_MS);
    }
    throw new LiftwatchError('LW_ERR_INFLUXD_START', `influxd did not take liftwatch's admin user: ${last}`);
  }

  /** An influxd left running by a liftwatch killed with SIGKILL holds the data directory: stop it first. */
  private async stopLeftover(): Promise<void> {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile, 'utf8'));
    } catch {
      return;
    }
    const commandLine = processCommandLine(pid);
    if (pid > 0 && commandLine?.includes('influxd') && commandLine.includes(this.configFile)) {
      this.options.logger.warn({ pid }, 'stopping an influxd left running by an earlier liftwatch');
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS)))
        process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(this.pidFile, { force: true });
  }

  private async spawnAndWait(binary: string): Promise<void> {
    const log = fs.openSync(this.logFile, 'a');
    // Its own session: a Ctrl-C in the terminal reaches liftwatch, which stops influxd after the last write.
    const child = spawn(...this.command(binary), { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    if (child.pid !== undefined && this.options.niceness) setSessionNiceness(child.pid, this.options.niceness);
    this.child = child;
    let exited = false;
    child.once('exit', (code, signal) => {
      exited = true;
      this.onExit(binary, child, code, signal);
    });
    child.once('error', (error) => this.options.logger.error({ err: error }, 'influxd could not be spawned'));
    if (child.pid !== undefined) fs.writeFileSync(this.pidFile, String(child.pid));

    const deadline = Date.now() + (this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    while (Date.now() < deadline && !exited) {
      try {
        const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
        if (response.status === 204) return;
      } catch {
        // not listening yet
      }
      await sleep(PING_INTERVAL_MS);
    }
    if (!exited) child.kill('SIGKILL');
    throw new LiftwatchError(
      'LW_ERR_INFLUXD_START',
      `influxd did not answer /ping on ${this.url} (${exited ? 'it exited' : 'timed out'}). ` +
        `Is the port (LW_INFLUX_PORT) free? Last lines of ${this.logFile}:\n${this.logTail()}`,
    );
  }

  /** At the niceness asked: its threads through `nice`, its session (its own: `detached`) as a whole. */
  private command(binary: string): [string, string[]] {
    const args = ['-config', this.configFile];
    const niceness = this.options.niceness ?? 0;
    const niced = niceCommand(binary, args, niceness);
    if (niced) return niced;
    this.options.logger.warn({ niceness }, 'nice is not installed: influxd runs at the CPU priority of liftwatch');
    return [binary, args];
  }

  private onExit(binary: string, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.child !== child || this.currentState === 'starting') return;
    this.currentState = 'restarting';
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, RESTART_DELAY_MS.max);
    this.options.logger.error({ code, signal, restartInMs: delay }, 'influxd exited unexpectedly; restarting it');
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnAndWait(binary).then(
        () => {
          this.currentState = 'running';
          this.restartDelayMs = RESTART_DELAY_MS.first;
        },
        (error: unknown) => this.options.logger.error({ err: error }, 'influxd restart failed'),
      );
    }, delay).unref();
  }

  private logTail(): string {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8');
      return text.slice(-LOG_TAIL_BYTES);
    } catch {
      return '(no log)';
    }
  }
}
