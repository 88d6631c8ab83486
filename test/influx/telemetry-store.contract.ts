import { describe, expect, it } from 'vitest';
import { encodeTags } from '../../influx/line-protocol.js';
import { durationParam, oneOfParam, timeParam } from '../../influx/params.js';
import { InfluxWriteError, type QueryParams, type TelemetryStore } from '../../influx/types.js';

/** What every TelemetryStore must do; run against each implementation with an empty database. */
export function telemetryStoreContract(name: string, open: () => Promise<TelemetryStore>) {
  describe(name, () => {
    it('answers ping with its version and creates its database idempotently', async () => {
      const store = await open();
      expect(await store.ping()).toMatch(/^\d+\.\d+/);
      await store.ensureDatabase();
      await store.ensureDatabase();
    });

    it('writes lines and reads them back with tags, typed fields and millisecond times', async () => {
      const store = await open();
      await store.ensureDatabase();
      await store.write([
        'doors,elevator=E1,district=D1 floor=3i,closeMs=3100i,obstructed=true,note="a b" 1764000000001',
        'doors,elevator=E2,district=D1 floor=-1i,closeMs=2900i,obstructed=false,note="c" 1764000000002',
      ]);
      const [series] = await store.query('SELECT * FROM doors ORDER BY time');
      expect(series?.rows).toEqual([
        { time: 1764000000001, elevator: 'E1', district: 'D1', floor: 3, closeMs: 3100, obstructed: true, note: 'a b' },
        { time: 1764000000002, elevator: 'E2', district: 'D1', floor: -1, closeMs: 2900, obstructed: false, note: 'c' },
      ]);
      const grouped = await store.query('SELECT count(floor) FROM doors GROUP BY elevator');
      expect(grouped.map((s) => [s.tags.elevator, s.rows[0]?.count])).toEqual([
        ['E1', 1],
        ['E2', 1],
      ]);
    });

    it('writes a body of lines as bytes, each ending in a newline, as the spool hands them out', async () => {
      const store = await open();
      await store.ensureDatabase();
      await store.write(
        Buffer.from('online,elevator=电梯1 online=1i 1764000000001\nonline,elevator=E2 online=0i 1764000000002\n'),
      );
      const [series] = await store.query('SELECT online, elevator FROM online ORDER BY time');
      expect(series?.rows).toEqual([
        { time: 1764000000001, online: 1, elevator: '电梯1' },
        { time: 1764000000002, online: 0, elevator: 'E2' },
      ]);
    });

    it('refuses a bad line with a 4xx that is not retried', async () => {
      const store = await open();
      await store.ensureDatabase();
      const error = await store.write(['not line protocol']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfluxWriteError);
      expect((error as InfluxWriteError).status).toBe(400);
      expect((error as InfluxWriteError).retryable).toBe(false);
      expect((error as InfluxWriteError).serverError).toBe("unable to parse 'not line protocol': invalid field format");
    });

    it('binds strings, times, regexes and durations to placeholders, and runs one statement only', async () => {
      const store = await open();
      await store.ensureDatabase();
      const stored = `it's "quoted", = OR 1=1 --`;
      await store.write([
        `faults${encodeTags({ elevator: stored })} seq=1i 1764000000001`,
        'faults,elevator=E2 seq=2i 1764000000002',
      ]);
      const seqs = async (where: string, params: QueryParams) =>
        (await store.query(`SELECT seq FROM faults WHERE ${where}`, params)).flatMap((s) => s.rows.map((r) => r.seq));
      expect(await seqs('elevator = $id', { id: stored })).toEqual([1]);
      expect(await seqs('elevator = $id', { id: "E2' OR '1' = '1" })).toEqual([]);
      expect(await seqs('time > $from', { from: timeParam(1764000000001) })).toEqual([2]);
      expect(await seqs('elevator =~ $ids', { ids: oneOfParam(['E2', stored, '.*']) })).toEqual([1, 2]);
      expect(await seqs('elevator =~ $ids', { ids: oneOfParam(['E']) })).toEqual([]);
      const [daily] = await store.query('SELECT count(seq) FROM faults WHERE time > $from GROUP BY time($every)', {
        from: timeParam(0),
        every: durationParam(86_400_000),
      });
      expect(daily?.rows.map((row) => row.count)).toContain(2);
      await expect(store.query('SELECT seq FROM faults; DROP DATABASE x')).rejects.toThrow(/one statement/);
    });

    it('reports an InfluxQL error', async () => {
      const store = await open();
      await store.ensureDatabase();
      await expect(store.query('SELEC nonsense')).rejects.toThrow(/InfluxQL failed/);
    });
  });
}
