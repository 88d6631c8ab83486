import { describe, expect, it } from 'vitest';
import { housekeepingIn } from '../../bench/influxd-log.js';

// Lines as Debian's influxd 1.6.7 writes them (trimmed of ids that do not matter here).
const LOG = [
  'ts=2026-11-25T21:51:10.000000Z lvl=info msg="Cache snapshot (end)" engine=tsm1 op_name=tsm1_cache_snapshot op_event=end op_elapsed=500.000ms',
  'ts=2026-11-25T21:51:24.147501Z lvl=info msg="Cache snapshot (end)" engine=tsm1 op_name=tsm1_cache_snapshot op_event=end op_elapsed=920.445ms',
  'ts=2026-11-25T21:51:26.961965Z lvl=info msg="Cache snapshot (end)" engine=tsm1 op_name=tsm1_cache_snapshot op_event=end op_elapsed=1.5s',
  'ts=2026-11-25T21:52:00.000000Z lvl=info msg="TSM compaction (start)" engine=tsm1 tsm1_level=1 tsm1_strategy=level op_name=tsm1_compact_group op_event=start',
  'ts=2026-11-25T21:52:08.000000Z lvl=info msg="TSM compaction (end)" engine=tsm1 tsm1_level=1 tsm1_strategy=level op_name=tsm1_compact_group op_event=end op_elapsed=8000.000ms',
  'ts=2026-11-25T21:53:10.000000Z lvl=info msg="TSM compaction (end)" engine=tsm1 tsm1_level=1 tsm1_strategy=level op_name=tsm1_compact_group op_event=end op_elapsed=10000.000ms',
  'ts=2026-11-25T21:59:50.284348Z lvl=info msg="TSM compaction (end)" engine=tsm1 tsm1_level=3 tsm1_strategy=level op_name=tsm1_compact_group op_event=end op_elapsed=44057.448ms',
  'ts=2026-11-25T22:05:00.000000Z lvl=info msg="TSM compaction (end)" engine=tsm1 tsm1_level=4 tsm1_strategy=full op_name=tsm1_compact_group op_event=end op_elapsed=60000.000ms',
  'ts=2026-11-25T22:05:01.000000Z lvl=info msg="Post http://127.0.0.1/write" op_elapsed=1.000ms',
  'not logfmt at all',
].join('\n');

describe('housekeepingIn', () => {
  const since = Date.parse('2026-11-25T21:51:20Z');
  const found = housekeepingIn(LOG, since);

  it('adds up the cache snapshots that ended in the run, in seconds whatever the unit', () => {
    expect(found.snapshots.count).toBe(2);
    expect(found.snapshots.seconds).toBeCloseTo(2.420445, 6);
    expect(found.snapshots.longestSeconds).toBe(1.5);
  });

  it('counts compactions by level, with the longest and when it started', () => {
    expect(found.compactions).toEqual([
      { level: '1', count: 2, longestSeconds: 10, longestStartedAtSecond: 100 },
      { level: '3', count: 1, longestSeconds: 44.057448, longestStartedAtSecond: expect.closeTo(466.227, 3) },
      { level: 'full', count: 1, longestSeconds: 60, longestStartedAtSecond: 760 },
    ]);
  });

  it('finds nothing in an empty log', () => {
    expect(housekeepingIn('', since)).toEqual({
      snapshots: { count: 0, seconds: 0, longestSeconds: 0 },
      compactions: [],
    });
  });
});
