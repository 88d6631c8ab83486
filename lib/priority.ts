import fs from 'node:fs';
import path from 'node:path';

/** Where Debian puts binaries, searched after PATH. */
const SEARCH_PATH = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];
/** 0 is the default priority; 19 the lowest there is on Linux. */
export const MAX_NICENESS = 19;

/** A binary on PATH (or where Debian puts it), or the path given; null when there is none. */
export function findExecutable(binary: string): string | null {
  if (binary.includes('/')) return fs.existsSync(binary) ? binary : null;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...SEARCH_PATH].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * The command and arguments that run `command` at `niceness`, through `nice` so that every
 * thread the program starts inherits it (setpriority on a pid reaches its first thread only).
 * Null when `nice` is not installed.
 */
export function niceCommand(command: string, args: readonly string[], niceness: number): [string, string[]] | null {
  if (niceness === 0) return [command, [...args]];
  const nice = findExecutable('nice');
  return nice ? [nice, ['-n', String(niceness), command, ...args]] : null;
}

/**
 * Gives a process that leads its own session (spawned `detached`) the niceness as a whole.
 * Linux schedules each session as one group (autogroup) and weighs the groups equally, so a
 * thread's own niceness counts only inside its session: a detached influxd at nice 10 still
 * took a whole core from the broker. False where there are no autogroups (other systems, or
 * the feature off), where the thread niceness is what counts.
 */
export function setSessionNiceness(pid: number, niceness: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
    return true;
  } catch {
    return false;
  }
}
