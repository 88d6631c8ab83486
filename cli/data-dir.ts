import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_FILE } from '../store/admin-token.js';
import { DATA_DIR_MODE, STORE_FILE } from '../store/sqlite.js';

/** Where ingest's spool keeps points not yet in InfluxDB, in the data directory. */
export const SPOOL_DIR = 'spool';
/** The local influxd's data, in the data directory. */
export const INFLUXD_DIR = 'influxdb';

/**
 * What this process creates is its user's alone (files 0600, directories 0700), and so is what its
 * children create: influxd makes its own files, under liftwatch's umask.
 */
const PRIVATE_UMASK = 0o077;
const GROUP_AND_OTHERS = 0o077;
/** Liftwatch's own entries of the data directory, which an earlier version left readable by others. */
const OWN_ENTRIES = [
  STORE_FILE,
  `${STORE_FILE}-wal`,
  `${STORE_FILE}-shm`,
  ADMIN_TOKEN_FILE,
  SPOOL_DIR,
  INFLUXD_DIR,
] as const;

/** Takes group's and others' permissions off a file, or off a directory and everything in it; symlinks are left. */
function tighten(target: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (stat.isSymbolicLink()) return;
  if ((stat.mode & GROUP_AND_OTHERS) !== 0) fs.chmodSync(target, stat.mode & ~GROUP_AND_OTHERS & 0o7777);
  if (stat.isDirectory()) for (const name of fs.readdirSync(target)) tighten(path.join(target, name));
}

/**
 * For a process that keeps its data in the data directory (it holds the admin key, InfluxDB's
 * files, and webhook secrets in plain text, as HMAC needs them): sets a private umask, creates the
 * directory 0700, and tightens what an earlier version made there. Only liftwatch's own: its
 * entries, and the directory itself when it is liftwatch's (its store is there), so a data
 * directory set to a shared place (/tmp, a home) keeps its mode and the rest of what is in it.
 * Call it before creating anything.
 */
export function claimDataDir(dir: string): void {
  process.umask(PRIVATE_UMASK);
  if (fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE }) !== undefined) return;
  const { mode } = fs.statSync(dir);
  const ours = fs.existsSync(path.join(dir, STORE_FILE));
  // Private already: nothing below it is reachable by others, however loose.
  if (ours && (mode & GROUP_AND_OTHERS) === 0) return;
  for (const name of OWN_ENTRIES) tighten(path.join(dir, name));
  if (ours) fs.chmodSync(dir, mode & ~GROUP_AND_OTHERS & 0o7777);
}
