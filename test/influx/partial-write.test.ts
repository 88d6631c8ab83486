import { describe, expect, it } from 'vitest';
import { readRefusal } from '../../influx/partial-write.js';

/** InfluxDB 1.6.7's answers, as it gave them to these lines (`m`'s field `v` an integer). */
describe("reading InfluxDB 1.x's answer to a refused write", () => {
  it('names exactly the lines it could not parse when it stored the others', () => {
    const lines = ['m v=1i 1', "bad 'line': x", 'm v=2i 2', 'm,t=a\\ b v="x y" 3 junk', "bad 'line': x"];
    const error =
      "partial write: unable to parse 'bad 'line': x': invalid field format\n" +
      'unable to parse \'m,t=a\\ b v="x y" 3 junk\': point is invalid\n' +
      "unable to parse 'bad 'line': x': invalid field format dropped=0";
    const verdict = readRefusal(lines, error);
    expect(verdict.kind).toBe('lines');
    if (verdict.kind !== 'lines') return;
    expect([...verdict.refused.keys()].sort()).toEqual([1, 3, 4]);
    expect(verdict.refused.get(3)).toBe('unable to parse \'m,t=a\\ b v="x y" 3 junk\': point is invalid');
  });

  it('refuses all when nothing parsed, or when it dropped as many points as there are lines', () => {
    expect(
      readRefusal(['x', 'y'], "unable to parse 'x': invalid field format\nunable to parse 'y': missing fields"),
    ).toEqual({ kind: 'all' });
    const dropped =
      'partial write: field type conflict: input field "v" on measurement "m" is type string, already exists as type integer dropped=2';
    expect(readRefusal(['m v="a" 1', 'm v="b" 2'], dropped)).toEqual({ kind: 'all' });
    expect(readRefusal(['m v=1i 1', 'm v=2i 2'], 'partial write: points beyond retention policy dropped=2')).toEqual({
      kind: 'all',
    });
  });

  it('does not know which when a count falls short, a quote runs over lines, or a new field had two types', () => {
    const unknown = { kind: 'unknown' };
    const conflict =
      'partial write: field type conflict: input field "v" on measurement "m" is type string, already exists as type integer dropped=1';
    expect(readRefusal(['m v=1i 1', 'm v="x" 2', 'm v=3i 3 junk'], conflict)).toEqual(unknown);
    const swallowed = "unable to parse 'm v=\"abc 2\nm v=3i 3': unbalanced quotes";
    expect(readRefusal(['m v="abc 2', 'm v=3i 3'], swallowed)).toEqual(unknown);
    expect(readRefusal(['m v=1i 1', 'm v="abc 2', 'm v=3i 3'], `partial write: ${swallowed} dropped=0`)).toEqual(
      unknown,
    );
    expect(readRefusal(['k a=1i 1', 'k a="s" 2'], 'field type conflict')).toEqual(unknown);
    expect(readRefusal(['m v=1i 1', 'm v=2i 2'], 'partial write: points beyond retention policy dropped=1')).toEqual(
      unknown,
    );
  });
});
