import fs from 'node:fs';
import path from 'node:path';

export interface SpoolOptions {
  /** The spool's own directory (in the data directory). */
  readonly dir: string;
  /** Bytes the spool may hold; beyond it appends wait (back-pressure) and `full()` says so. */
  readonly maxBytes: number;
  /** A segment file is closed and a new one begun at this size; read segments are deleted whole. */
  readonly segmentBytes: number;
  /**
   * Appends are written and fsynced together at most this often (group commit); 0 commits at the
   * end of the event-loop turn, which still groups what arrived together and adds no wait.
   */
  readonly commitIntervalMs: number;
  /**
   * Appenders told per event-loop turn once their commit is durable. A slow fsync holds
   * thousands, and what each goes on to do (route the publish, write its PUBACK) would keep the
   * loop from reading sockets for as long; told in slices, new messages are read between them.
   */
  readonly releasePerTurn: number;
  /** Told how long each commit took from its write to the end of its fsync. */
  readonly onSynced?: (seconds: number) => void;
}

/** Where reading has got to: a segment and a byte offset in it. */
interface Position {
  readonly segment: number;
  readonly offset: number;
}

/** Lines handed out by `read`, to acknowledge (or rewind) together. */
export interface SpoolBatch {
  /** The lines as they are in the file, each ending in a newline. */
  readonly body: Buffer;
  readonly count: number;
  /** Where the batch ends: what `acknowledge` moves the head to. */
  readonly end: Position;
}

const NEWLINE = 0x0a;
const MS_PER_SECOND = 1000;
const SEGMENT_PATTERN = /^(\d{12})\.lp$/;
const HEAD_FILE = 'head.json';
/** Bytes read from a segment at a time; far more than a batch of lines needs. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
const LOCK_FILE = 'lock';
const segmentName = (segment: number) => `${String(segment).padStart(12, '0')}.lp`;

/** Appenders told together: they share one promise (a busy broker makes thousands per commit). */
interface Slice {
  readonly durable: Promise<void>;
  readonly resolve: () => void;
  appenders: number;
}

function newSlice(): Slice {
  let resolve = () => {};
  const durable = new Promise<void>((settle) => (resolve = settle));
  return { durable, resolve, appenders: 0 };
}

/**
 * Line-protocol lines that InfluxDB has not acknowledged yet, on disk, in order. Appends are
 * made durable in groups (one write and one fsync per commit interval), so a message can be
 * acknowledged to its device once `append` resolves. The writer reads from the head and, once
 * InfluxDB took a batch, moves the head past it; fully read segment files are deleted.
 */
export class Spool {
  private readonly options: SpoolOptions;
  private head: Position;
  /** What the reader has handed out but the head does not pass yet. */
  private readCursor: Position;
  private tail: Position;
  private tailFd: number;
  private bytes = 0;
  /** Lines held (appended and not acknowledged), counted at start by reading the live segments. */
  private lines = 0;
  /** Lines appended or found at start and not yet handed out by `read`. */
  private unreadLines = 0;
  private buffered: string[] = [];
  private bufferedBytes = 0;
  /** The appenders since the last commit, in order: they wait for the next commit's fsync. */
  private uncommitted: Slice[] = [];
  /** Slices whose commit is durable, in order, told one per event-loop turn. */
  private releasing: Slice[] = [];
  private releaseTimer: NodeJS.Immediate | null = null;
  /** Settles once everything appended so far is durable and its appenders told, in order. */
  private lastTold: Promise<void> = Promise.resolve();
  private spaceWaiters: Array<() => void> = [];
  private commitTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private closed = false;
  /** Settles when the last commit's fsync is done: it covers everything written before it. */
  private lastSync: Promise<void> = Promise.resolve();
  /** fsyncs in flight per segment file descriptor; a file is closed only once its own are done. */
  private readonly syncing = new Map<number, number>();
  private readonly retiring = new Set<number>();
  /** The oldest segment file still on disk: those before the head are deleted once it is written. */
  private oldestSegment: number;
  /** Writing head.json (and deleting what it passes), or null; `headMoved` asks for one more round. */
  private headWrite: Promise<void> | null = null;
  private headMoved = false;

  constructor(options: SpoolOptions) {
    this.options = options;
    fs.mkdirSync(options.dir, { recursive: true });
    this.lock();
    const segments = this.segments();
    const recorded = this.readHead();
    // Without a head to trust, everything still here is written again: InfluxDB stores a point
    // written twice once (same series and time), so a replay loses nothing and doubles nothing.
    let head = recorded ?? { segment: segments[0] ?? 0, offset: 0 };
    for (const segment of segments) {
      if (segment < head.segment) fs.rmSync(this.file(segment), { force: true });
    }
    const live = segments.filter((segment) => segment >= head.segment);
    // The head's segment may be gone (a crash between creating it and the directory reaching the disk).
    if (live[0] !== head.segment) head = { segment: live[0] ?? head.segment, offset: 0 };
    for (const segment of live) {
      const content = this.cutTornTail(segment);
      let from = 0;
      if (segment === head.segment) {
        // Past what survived: InfluxDB took those lines before the cut. Inside a line: not a head we wrote.
        from = Math.min(head.offset, content.length);
        if (from > 0 && content[from - 1] !== NEWLINE) from = 0;
        head = { segment, offset: from };
      }
      this.lines += countLines(content, from);
      this.bytes += content.length - from;
    }
    this.head = head;
    this.oldestSegment = head.segment;
    this.unreadLines = this.lines;
    const last = live.at(-1) ?? head.segment;
    this.tailFd = fs.openSync(this.file(last), 'a');
    this.tail = { segment: last, offset: fs.fstatSync(this.tailFd).size };
    this.readCursor = head;
    syncDirectorySync(options.dir);
  }

  /** Bytes held: appended (durable or about to be) and not yet acknowledged by InfluxDB. */
  size(): number {
    return this.bytes + this.bufferedBytes;
  }

  /** Lines held: appended and not yet acknowledged by InfluxDB. */
  pendingLines(): number {
    return this.lines + this.buffered.length;
  }

  /** Lines appended (or found at start) that `read` has not handed out yet. */
  unread(): number {
    return this.unreadLines + this.buffered.length;
  }

  full(): boolean {
    return this.size() >= this.options.maxBytes;
  }

  /** Resolves once the lines are on disk; waits first while the spool is full. */
  append(lines: readonly string[]): Promise<void> {
    if (this.full() || this.closed) return this.appendWhenRoom(lines);
    for (const line of lines) {
      this.buffered.push(line);
      this.bufferedBytes += Buffer.byteLength(line) + 1;
    }
    return this.sync();
  }

  /**
   * Resolves once everything appended so far is on disk, after every earlier append's promise:
   * a broker acknowledges in the order it was published to [MQTT-4.6.0-2].
   */
  sync(): Promise<void> {
    if (this.buffered.length === 0 && this.uncommitted.length === 0) return this.lastTold;
    let slice = this.uncommitted.at(-1);
    if (!slice || slice.appenders >= this.options.releasePerTurn) {
      slice = newSlice();
      this.uncommitted.push(slice);
      this.lastTold = slice.durable;
      // While an fsync runs, appends gather for the commit that follows it (group commit).
      if (this.uncommitted.length === 1 && this.syncing.size === 0) this.scheduleCommit();
    }
    slice.appenders++;
    return slice.durable;
  }

  private async appendWhenRoom(lines: readonly string[]): Promise<void> {
    while (this.full() && !this.closed) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    if (this.closed) throw new Error('the spool is closed');
    return this.append(lines);
  }

  private scheduleCommit(): void {
    this.commitTimer =
      this.options.commitIntervalMs === 0
        ? setImmediate(() => this.commit())
        : setTimeout(() => this.commit(), this.options.commitIntervalMs);
  }

  /**
   * Up to `maxLines` lines after those already handed out, oldest first, as the bytes of the
   * file: a line-protocol body for InfluxDB as it is, no line decoded.
   */
  read(maxLines: number): SpoolBatch {
    this.commitNow();
    const pieces: Buffer[] = [];
    let count = 0;
    let cursor = this.readCursor;
    while (count < maxLines) {
      if (cursor.segment > this.tail.segment) break;
      const file = this.file(cursor.segment);
      const size = cursor.segment === this.tail.segment ? this.tail.offset : fs.statSync(file).size;
      if (cursor.offset >= size) {
        if (cursor.segment === this.tail.segment) break;
        cursor = { segment: cursor.segment + 1, offset: 0 };
        continue;
      }
      const chunk = this.readRange(file, cursor.offset, Math.min(size, cursor.offset + READ_CHUNK_BYTES));
      let taken = 0;
      for (
        let newline = chunk.indexOf(NEWLINE);
        newline >= 0 && count < maxLines;
        newline = chunk.indexOf(NEWLINE, taken)
      ) {
        taken = newline + 1;
        count++;
      }
      if (taken === 0) throw new Error(`a line in ${file} is longer than ${READ_CHUNK_BYTES} bytes`);
      pieces.push(chunk.subarray(0, taken));
      cursor = { segment: cursor.segment, offset: cursor.offset + taken };
    }
    this.readCursor = cursor;
    this.unreadLines -= count;
    return { body: pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces), count, end: cursor };
  }

  /** InfluxDB took everything up to `end`: move the head there and free what lies before it. */
  acknowledge(end: Position, lineCount: number): void {
    this.bytes -= this.distance(this.head, end);
    this.head = end;
    this.lines -= lineCount;
    this.persistHead();
    for (const wake of this.spaceWaiters.splice(0)) wake();
  }

  /** Hands out again what was read but not acknowledged (a write that must be retried from the start). */
  rewind(handedOut: number): void {
    this.readCursor = this.head;
    this.unreadLines += handedOut;
  }

  /** Lines waiting to be read. */
  hasUnread(): boolean {
    return (
      this.readCursor.segment < this.tail.segment ||
      (this.readCursor.segment === this.tail.segment && this.readCursor.offset < this.tail.offset)
    );
  }

  /** Makes everything appended durable, waits for the head to be written, and frees the folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.commitNow();
    this.closed = true;
    for (const wake of this.spaceWaiters.splice(0)) wake();
    // The commits' own fsyncs may still be running: this one makes the spool durable before exit.
    fs.fdatasyncSync(this.tailFd);
    this.retire(this.tailFd);
    await this.headWrite;
    fs.rmSync(path.join(this.options.dir, LOCK_FILE), { force: true });
  }

  /** Commits what is buffered at once (a reader must not wait for the group-commit timer). */
  private commitNow(): void {
    if (this.commitTimer) {
      clearTimeout(this.commitTimer as NodeJS.Timeout);
      clearImmediate(this.commitTimer as NodeJS.Immediate);
    }
    this.commit();
  }

  /**
   * Writes what is buffered at once (readers may take it from the page cache) and fsyncs it on
   * libuv's threads: the appenders are told once it is durable, and the event loop does not wait
   * for the disk (fsync took tens to hundreds of ms while influxd compacted on the same disk).
   */
  private commit(): void {
    this.commitTimer = null;
    const slices = this.uncommitted;
    this.uncommitted = [];
    if (this.buffered.length > 0) {
      const lineCount = this.buffered.length;
      const data = Buffer.from(`${this.buffered.join('\n')}\n`);
      this.buffered = [];
      this.bufferedBytes = 0;
      fs.writeSync(this.tailFd, data);
      // After the commits before it too: acknowledgements keep the order of the publishes [MQTT-4.6.0-2].
      const previous = this.lastSync;
      const startedAt = performance.now();
      this.lastSync = this.fdatasync(this.tailFd).then(() => {
        this.options.onSynced?.((performance.now() - startedAt) / MS_PER_SECOND);
        return previous;
      });
      this.tail = { segment: this.tail.segment, offset: this.tail.offset + data.length };
      this.bytes += data.length;
      this.lines += lineCount;
      this.unreadLines += lineCount;
      if (this.tail.offset >= this.options.segmentBytes) this.startSegment();
    }
    if (slices.length > 0) void this.lastSync.then(() => this.release(slices));
  }

  /** Tells the slices' appenders, one slice per turn, after those released before them. */
  private release(slices: readonly Slice[]): void {
    this.releasing.push(...slices);
    if (this.releaseTimer) return;
    const tellNext = () => {
      this.releasing.shift()?.resolve();
      this.releaseTimer = this.releasing.length > 0 ? setImmediate(tellNext) : null;
    };
    tellNext();
  }

  private fdatasync(fd: number): Promise<void> {
    this.syncing.set(fd, (this.syncing.get(fd) ?? 0) + 1);
    return new Promise((resolve) => {
      fs.fdatasync(fd, (error) => {
        const left = (this.syncing.get(fd) ?? 1) - 1;
        if (left > 0) this.syncing.set(fd, left);
        else {
          this.syncing.delete(fd);
          if (this.retiring.delete(fd)) fs.closeSync(fd);
        }
        if (this.uncommitted.length > 0 && !this.commitTimer && this.syncing.size === 0) this.scheduleCommit();
        // As a failed synchronous fsync did: nothing may be acknowledged, the process stops.
        if (error) throw error;
        resolve();
      });
    });
  }

  /** Closes a segment's file once no fsync of it is running. */
  private retire(fd: number): void {
    if (this.syncing.has(fd)) this.retiring.add(fd);
    else fs.closeSync(fd);
  }

  /** Its appenders are told once the directory holds the new file durably, as well as its lines. */
  private startSegment(): void {
    this.retire(this.tailFd);
    const segment = this.tail.segment + 1;
    this.tailFd = fs.openSync(this.file(segment), 'a');
    this.tail = { segment, offset: 0 };
    const previous = this.lastSync;
    const created = this.syncDirectory();
    this.lastSync = created.then(() => previous);
  }

  /** fsyncs the spool's directory on libuv's threads; a failure stops the process, as a failed fsync does. */
  private syncDirectory(): Promise<void> {
    return new Promise((resolve) => {
      fs.open(this.options.dir, 'r', (openError, fd) => {
        if (openError) throw openError;
        fs.fsync(fd, (syncError) => {
          fs.closeSync(fd);
          if (syncError) throw syncError;
          resolve();
        });
      });
    });
  }

  private distance(from: Position, to: Position): number {
    if (from.segment === to.segment) return to.offset - from.offset;
    let total = fs.statSync(this.file(from.segment)).size - from.offset;
    for (let segment = from.segment + 1; segment < to.segment; segment++) total += fs.statSync(this.file(segment)).size;
    return total + to.offset;
  }

  private readRange(file: string, from: number, to: number): Buffer {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(to - from);
      return buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, from));
    } finally {
      fs.closeSync(fd);
    }
  }

  private segments(): number[] {
    return fs
      .readdirSync(this.options.dir)
      .map((name) => SEGMENT_PATTERN.exec(name)?.[1])
      .filter((match): match is string => match !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The head last written, or null when there is none or it is not one (torn, or not ours). */
  private readHead(): Position | null {
    const file = path.join(this.options.dir, HEAD_FILE);
    if (!fs.existsSync(file)) return null;
    try {
      const head = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Position> | null;
      const { segment, offset } = head ?? {};
      const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
      return isCount(segment) && isCount(offset) ? { segment, offset } : null;
    } catch {
      return null;
    }
  }

  /**
   * A power cut can leave the end of a segment half written: part of a line, or a hole of zeros
   * where the file grew before its data reached the disk. That part was never acknowledged (an
   * append is acknowledged once its fsync, and every earlier one, is done), and an append joined
   * to it would make one line InfluxDB refuses. The segment is cut back to the last newline
   * before the end or before the first NUL (a line never holds a control character).
   */
  private cutTornTail(segment: number): Buffer {
    const file = this.file(segment);
    const content = fs.readFileSync(file);
    const hole = content.indexOf(0);
    const kept = content.lastIndexOf(NEWLINE, hole === -1 ? content.length - 1 : hole) + 1;
    if (kept === content.length) return content;
    const fd = fs.openSync(file, 'r+');
    try {
      fs.ftruncateSync(fd, kept);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return content.subarray(0, kept);
  }

  /**
   * Writes the head and then deletes the segments before it, on libuv's threads, one round at a
   * time. Replacing head.json and deleting a segment free disk blocks, and on a disk mounted with
   * `discard` that waits for the device: on the event loop it stopped liftwatch for seconds while
   * influxd deleted a compaction's files. The head is written first, so a crash never leaves it
   * in a deleted segment; a later head only rewrites it. A failed write is left unhandled: the
   * process stops, as for a failed fsync, and the next start reads the head last written.
   */
  private persistHead(): void {
    this.headMoved = true;
    this.headWrite ??= this.writeHeadAndFree().finally(() => (this.headWrite = null));
  }

  /**
   * Written to a temporary file, flushed and renamed, and the rename made durable before any
   * segment is deleted: a crash leaves the old head or the new one, never half, never one that
   * names a deleted segment.
   */
  private async writeHeadAndFree(): Promise<void> {
    const file = path.join(this.options.dir, HEAD_FILE);
    while (this.headMoved) {
      this.headMoved = false;
      const head = this.head;
      await fs.promises.writeFile(`${file}.tmp`, JSON.stringify(head), { flush: true });
      await fs.promises.rename(`${file}.tmp`, file);
      await this.syncDirectory();
      for (; this.oldestSegment < head.segment; this.oldestSegment++) {
        await fs.promises.rm(this.file(this.oldestSegment), { force: true });
      }
    }
  }

  /** One process per spool: a second ingest on the same data directory would interleave and lose lines. */
  private lock(): void {
    const file = path.join(this.options.dir, LOCK_FILE);
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    } catch {
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder !== process.pid && isAlive(holder)) {
        throw new Error(`the spool ${this.options.dir} is in use by process ${holder}`);
      }
      fs.writeFileSync(file, String(process.pid));
    }
  }

  private file(segment: number): string {
    return path.join(this.options.dir, segmentName(segment));
  }
}

function countLines(content: Buffer, from: number): number {
  let count = 0;
  for (let at = content.indexOf(NEWLINE, from); at >= 0; at = content.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/** Makes the directory's entries durable: a segment created, head.json replaced, a torn tail cut. */
function syncDirectorySync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
