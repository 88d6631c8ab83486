import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { Spool, type SpoolBatch, type SpoolOptions } from '../../ingest/spool.js';
import { tempDir } from '../helpers/fixtures.js';

const options = (dir: string, overrides: Partial<SpoolOptions> = {}): SpoolOptions => ({
  dir,
  maxBytes: 1024 * 1024,
  segmentBytes: 100,
  commitIntervalMs: 1,
  releasePerTurn: 256,
  ...overrides,
});
/** The lines of a batch's body, which ends in a newline. */
const linesOf = ({ body }: SpoolBatch) => body.toString('utf8').split('\n').slice(0, -1);
const segmentName = (segment: number) => `${String(segment).padStart(12, '0')}.lp`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `m v=${from + i}i`);

describe('the ingest spool', () => {
  it('hands lines out in order across segment files, and frees them once acknowledged', async () => {
    const dir = tempDir();
    const spool = new Spool(options(dir, { segmentBytes: 50 }));
    for (const from of [1, 11, 21]) await spool.append(lines(from, from + 9));
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.lp')).length).toBeGreaterThan(2);
    const first = spool.read(12);
    expect(linesOf(first)).toEqual(lines(1, 12));
    const second = spool.read(100);
    expect(linesOf(second)).toEqual(lines(13, 30));
    spool.acknowledge(first.end, first.count);
    expect(spool.pendingLines()).toBe(18);
    spool.acknowledge(second.end, second.count);
    expect(spool.pendingLines()).toBe(0);
    expect(spool.size()).toBe(0);
    await spool.close();
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.lp')).length).toBe(1);
  });

  it('writes the head and deletes what it passes off the event loop, the head before the segments', async () => {
    const dir = tempDir();
    const spool = new Spool(options(dir, { segmentBytes: 50 }));
    for (const from of [1, 11, 21]) await spool.append(lines(from, from + 9));
    const headWhenDeleted: string[] = [];
    const realRm = fs.promises.rm;
    const rm = vi.spyOn(fs.promises, 'rm').mockImplementation((file, removeOptions) => {
      headWhenDeleted.push(fs.readFileSync(`${dir}/head.json`, 'utf8'));
      return realRm(file, removeOptions);
    });
    const onTheLoop = ['renameSync', 'rmSync', 'unlinkSync', 'writeFileSync'] as const;
    const blocking = onTheLoop.map((name) => vi.spyOn(fs, name));
    try {
      const batch = spool.read(25);
      spool.acknowledge(batch.end, batch.count);
      for (const call of blocking) expect(call).not.toHaveBeenCalled();
      for (const call of blocking) call.mockRestore();
      await spool.close();
      expect(rm).toHaveBeenCalled();
      for (const head of headWhenDeleted) expect(JSON.parse(head)).toEqual(batch.end);
    } finally {
      rm.mockRestore();
    }
    const again = new Spool(options(dir));
    expect(linesOf(again.read(100))).toEqual(lines(26, 30));
    await again.close();
  });

  it('gathers the appends made while an fsync runs into one commit after it', async () => {
    const spool = new Spool(options(tempDir(), { commitIntervalMs: 0, segmentBytes: 1024 * 1024 }));
    const realFdatasync = fs.fdatasync;
    const running: Array<() => void> = [];
    const fdatasync = vi.spyOn(fs, 'fdatasync').mockImplementation((fd, done) => {
      running.push(() => realFdatasync(fd, done));
    });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      const first = spool.append(lines(1, 1));
      await nextTurn();
      expect(running).toHaveLength(1);
      const rest: Array<Promise<void>> = [];
      for (let at = 2; at <= 20; at++) {
        rest.push(spool.append(lines(at, at)));
        await nextTurn();
      }
      expect(running).toHaveLength(1);
      running.shift()?.();
      await first;
      await nextTurn();
      expect(running).toHaveLength(1);
      running.shift()?.();
      await Promise.all(rest);
      expect(fdatasync).toHaveBeenCalledTimes(2);
      expect(linesOf(spool.read(100))).toEqual(lines(1, 20));
    } finally {
      fdatasync.mockRestore();
      await spool.close();
    }
  });

  it('tells the appenders of a durable commit a slice per event-loop turn, in the order they came', async () => {
    const spool = new Spool(options(tempDir(), { commitIntervalMs: 0, releasePerTurn: 2 }));
    let turn = 0;
    let counting = true;
    const countTurns = () => {
      turn++;
      if (counting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const told: Array<{ who: string; turn: number }> = [];
    const tell = (who: string) => () => void told.push({ who, turn });
    try {
      const appends = [1, 2, 3, 4, 5].map((n) => spool.append(lines(n, n)).then(tell(`append ${n}`)));
      await appends[0];
      // Asked once the first are told: it settles after every earlier append, never before.
      const synced = spool.sync().then(tell('sync'));
      await Promise.all([...appends, synced]);
      expect(told.map(({ who }) => who)).toEqual(['append 1', 'append 2', 'append 3', 'append 4', 'append 5', 'sync']);
      const turns = told.map((one) => one.turn);
      expect(turns[1]).toBe(turns[0]);
      expect(turns[2]).toBeGreaterThan(turns[1] as number);
      expect(turns[3]).toBe(turns[2]);
      expect(turns[4]).toBeGreaterThan(turns[3] as number);
      expect(turns[5]).toBe(turns[4]);
    } finally {
      counting = false;
      await spool.close();
    }
  });

  it('after a restart, hands out again what was read but not acknowledged, and nothing acknowledged', async () => {
    const dir = tempDir();
    const spool = new Spool(options(dir));
    await spool.append(['m 名字="电梯" 1', ...lines(2, 20)]);
    const taken = spool.read(5);
    spool.acknowledge(taken.end, taken.count);
    spool.read(5); // handed out, never acknowledged: InfluxDB did not take it before the stop
    await spool.close();

    const again = new Spool(options(dir));
    expect(again.pendingLines()).toBe(15);
    expect(linesOf(again.read(100))).toEqual(lines(6, 20));
    await again.close();
  });

  it('rewinds to the head when a write must be tried again', async () => {
    const spool = new Spool(options(tempDir()));
    await spool.append(lines(1, 6));
    const batch = spool.read(4);
    spool.rewind(batch.count);
    expect(spool.unread()).toBe(6);
    expect(linesOf(spool.read(4))).toEqual(lines(1, 4));
    await spool.close();
  });

  it('makes appends wait while it is full and lets them in once space is freed', async () => {
    const spool = new Spool(options(tempDir(), { maxBytes: 25 }));
    await spool.append(lines(1, 4));
    expect(spool.full()).toBe(true);
    let appended = false;
    const waiting = spool.append(lines(5, 5)).then(() => (appended = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(appended).toBe(false);
    const batch = spool.read(4);
    spool.acknowledge(batch.end, batch.count);
    await waiting;
    expect(linesOf(spool.read(10))).toEqual(lines(5, 5));
    await spool.close();
  });

  it('cuts a torn last segment back to its last newline at open: the next append is a line of its own', async () => {
    for (const torn of ['m v=6', 'm v=6i 6\0\0\0', '\0'.repeat(4096), 'm v="x\0\0\nm v=8i 8\n']) {
      const dir = tempDir();
      const spool = new Spool(options(dir, { segmentBytes: 1024 * 1024 }));
      await spool.append(lines(1, 5));
      await spool.close();
      // A power cut: the last write reached the disk in part (a half line, or a hole of zeros).
      fs.appendFileSync(`${dir}/${segmentName(0)}`, torn);

      const again = new Spool(options(dir, { segmentBytes: 1024 * 1024 }));
      expect(again.pendingLines()).toBe(5);
      await again.append(lines(6, 8));
      expect(linesOf(again.read(100))).toEqual(lines(1, 8));
      await again.close();
      expect(fs.readFileSync(`${dir}/${segmentName(0)}`, 'utf8')).toBe(`${lines(1, 8).join('\n')}\n`);
    }
  });

  it('cuts a torn tail in an earlier segment too and reads on into the next', async () => {
    const dir = tempDir();
    fs.writeFileSync(`${dir}/${segmentName(0)}`, `${lines(1, 2).join('\n')}\nm v=3`);
    fs.writeFileSync(`${dir}/${segmentName(1)}`, `${lines(4, 5).join('\n')}\n`);
    const spool = new Spool(options(dir));
    expect(spool.pendingLines()).toBe(4);
    expect(linesOf(spool.read(100))).toEqual([...lines(1, 2), ...lines(4, 5)]);
    await spool.close();
  });

  it('reads everything again from a head.json that is torn, mid-line, or past what survived', async () => {
    const heads = [
      '{"segm',
      '',
      JSON.stringify({ segment: 0, offset: 3 }),
      JSON.stringify({ segment: 0, offset: 10_000 }),
      JSON.stringify({ segment: 0, offset: -7 }),
      JSON.stringify({ segment: 'x', offset: 0 }),
    ];
    for (const head of heads) {
      const dir = tempDir();
      fs.writeFileSync(`${dir}/${segmentName(0)}`, `${lines(1, 3).join('\n')}\n`);
      fs.writeFileSync(`${dir}/head.json`, head);
      const spool = new Spool(options(dir));
      const expected = head.includes('10000') ? [] : lines(1, 3);
      expect(linesOf(spool.read(100)), head).toEqual(expected);
      await spool.append(lines(4, 4));
      expect(linesOf(spool.read(100)), head).toEqual(lines(4, 4));
      await spool.close();
    }
  });

  it('starts from the next segment when the head names one that is gone', async () => {
    const dir = tempDir();
    fs.writeFileSync(`${dir}/${segmentName(3)}`, `${lines(1, 2).join('\n')}\n`);
    fs.writeFileSync(`${dir}/head.json`, JSON.stringify({ segment: 2, offset: 40 }));
    const spool = new Spool(options(dir));
    expect(linesOf(spool.read(100))).toEqual(lines(1, 2));
    await spool.close();
  });

  it('fsyncs the directory after creating a segment, before telling its appenders, and after replacing head.json', async () => {
    const dir = tempDir();
    const realFsync = fs.fsync;
    const realRename = fs.promises.rename;
    const events: string[] = [];
    const held: Array<() => void> = [];
    let holding = true;
    const pathOf = (fd: number) => fs.readlinkSync(`/proc/self/fd/${fd}`);
    const fsync = vi.spyOn(fs, 'fsync').mockImplementation((fd, done) => {
      const isDir = pathOf(fd) === fs.realpathSync(dir);
      if (isDir) events.push('fsync dir');
      if (isDir && holding) held.push(() => realFsync(fd, done));
      else realFsync(fd, done);
    });
    const rename = vi.spyOn(fs.promises, 'rename').mockImplementation(async (from, to) => {
      await realRename(from, to);
      events.push(`rename ${String(to).split('/').at(-1)}`);
    });
    const spool = new Spool(options(dir, { segmentBytes: 50 }));
    try {
      const first = spool.append(lines(1, 10));
      await expect.poll(() => held.length).toBe(1);
      expect(fs.existsSync(`${dir}/${segmentName(1)}`)).toBe(true);
      let told = false;
      const second = spool.append(lines(11, 11)).then(() => (told = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(told).toBe(false);
      holding = false;
      for (const release of held.splice(0)) release();
      await Promise.all([first, second]);

      events.length = 0;
      const batch = spool.read(100);
      spool.acknowledge(batch.end, batch.count);
      await spool.close();
      expect(events).toEqual(['rename head.json', 'fsync dir']);
    } finally {
      fsync.mockRestore();
      rename.mockRestore();
    }
  });

  it('refuses a second process on the same folder, and takes over from a dead one', async () => {
    const dir = tempDir();
    const spool = new Spool(options(dir));
    await spool.close();
    const { pid: deadPid } = spawnSync(process.execPath, ['-e', '0']);
    fs.writeFileSync(`${dir}/lock`, String(deadPid));
    await expect(new Spool(options(dir)).close()).resolves.toBeUndefined();
    fs.writeFileSync(`${dir}/lock`, String(process.ppid));
    expect(() => new Spool(options(dir))).toThrow(/in use by process/);
  });
});
