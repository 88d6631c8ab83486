import { describe, expect, it } from 'vitest';
import { encodeLine } from '../../influx/line-protocol.js';

describe('encodeLine', () => {
  it('escapes tags and field keys, quotes strings, types fields and sorts tags', () => {
    const line = encodeLine(
      {
        measurement: 'faults',
        tags: { use_unit: 'A=B, C', elevator: 'E1', empty: '' },
        fields: { detail: 'say "hi" \\ bye', floor: 3, loadPct: 2, ok: true, 'two words': 1.5 },
        timeMs: 1_700_000_000_123,
      },
      { detail: 'string', floor: 'integer', loadPct: 'float', ok: 'boolean', 'two words': 'float' },
    );
    expect(line).toBe(
      'faults,elevator=E1,use_unit=A\\=B\\,\\ C detail="say \\"hi\\" \\\\ bye",floor=3i,loadPct=2,ok=true,two\\ words=1.5 1700000000123',
    );
  });

  it('leaves out fields without a declared type', () => {
    const line = encodeLine({ measurement: 'm', tags: {}, fields: { a: 1, b: 2 }, timeMs: 1 }, { a: 'integer' });
    expect(line).toBe('m a=1i 1');
  });
});
