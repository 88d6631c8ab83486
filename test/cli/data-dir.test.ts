import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir } from '../../cli/data-dir.js';
import { STORE_FILE } from '../../store/sqlite.js';
import { tempDir } from '../helpers/fixtures.js';

const modeOf = (target: string) => fs.statSync(target).mode & 0o777;
const umask = process.umask();
// claimDataDir sets the process's umask: this file's other tests, and the next file, get it back.
afterEach(() => void process.umask(umask));

describe('claimDataDir', () => {
  it('creates a new data directory 0700', () => {
    const dir = path.join(tempDir(), 'data');
    claimDataDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it("tightens an earlier liftwatch's data directory and its own entries in it", () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, STORE_FILE), '', { mode: 0o644 });
    fs.chmodSync(path.join(dir, STORE_FILE), 0o644);
    claimDataDir(dir);
    expect([modeOf(dir), modeOf(path.join(dir, STORE_FILE))]).toEqual([0o700, 0o600]);
  });

  it('leaves a shared directory it was pointed at as it is, tightening only its own entries there', () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    const theirs = path.join(dir, 'notes.txt');
    fs.writeFileSync(theirs, 'not liftwatch’s');
    fs.chmodSync(theirs, 0o644);
    fs.writeFileSync(path.join(dir, 'admin-token'), 'key\n');
    fs.chmodSync(path.join(dir, 'admin-token'), 0o644);
    claimDataDir(dir);
    expect([modeOf(dir), modeOf(theirs), modeOf(path.join(dir, 'admin-token'))]).toEqual([0o755, 0o644, 0o600]);
  });
});
