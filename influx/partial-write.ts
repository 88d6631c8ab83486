/**
 * Which lines of a write InfluxDB 1.x refused, as far as its 400 answer tells. Read off 1.6.7's
 * write handler and measured against it:
 * - `unable to parse '<line>': <why>` (one per line, joined by newlines): no line parsed, none
 *   stored. A line with an unbalanced quote runs on past its newline: the lines it swallowed are
 *   quoted with it, as one.
 * - `partial write: unable to parse '<line>': <why>… dropped=0`: every other line is stored (it
 *   says so only once the points that parsed were all written).
 * - `partial write: <why> dropped=N`: N points that parsed were dropped (a field type other than
 *   the stored one, beyond the retention policy, a series limit), no line named. N is a floor:
 *   lines that did not parse are not said then, nor the drops of a second shard.
 * - `field type conflict` (a new field given two types in one request: nothing of its shard is
 *   stored) or anything else: which lines were stored is not said.
 */
export type WriteRefusal =
  | { readonly kind: 'all' }
  /** Exactly these (by index, with InfluxDB's words on each); the others are stored. */
  | { readonly kind: 'lines'; readonly refused: ReadonlyMap<number, string> }
  | { readonly kind: 'unknown' };

const PARTIAL = 'partial write: ';
const UNPARSED = "unable to parse '";
const QUOTE_END = "': ";
const DROPPED = / dropped=(\d+)$/;
const ALL: WriteRefusal = { kind: 'all' };
const UNKNOWN: WriteRefusal = { kind: 'unknown' };

/** `lines`: the request's lines, without their newlines; `error`: InfluxDB's `error`, whole. */
export function readRefusal(lines: readonly string[], error: string): WriteRefusal {
  if (error.startsWith(UNPARSED)) return unparsed(lines, error)?.size === lines.length ? ALL : UNKNOWN;
  const dropped = DROPPED.exec(error);
  if (!error.startsWith(PARTIAL) || !dropped) return UNKNOWN;
  const count = Number(dropped[1]);
  if (count >= lines.length) return ALL;
  if (count > 0) return UNKNOWN;
  const refused = unparsed(lines, error.slice(PARTIAL.length, dropped.index));
  return refused ? { kind: 'lines', refused } : UNKNOWN;
}

/**
 * Each `unable to parse '<line>': <why>` of `text`, matched to the lines it quotes; null when one
 * quotes no line of the request (InfluxDB read two lines as one, say, past an unbalanced quote).
 */
function unparsed(lines: readonly string[], text: string): Map<number, string> | null {
  const byText = new Map<string, number[]>();
  lines.forEach((line, index) => {
    const indices = byText.get(line);
    if (indices) indices.push(index);
    else byText.set(line, [index]);
  });
  const refused = new Map<number, string>();
  let start = 0;
  while (start < text.length) {
    if (!text.startsWith(UNPARSED, start)) return null;
    const quoted = start + UNPARSED.length;
    let next = -1;
    // A line may hold "': " itself: the first end that quotes a line of the request is the one.
    for (let end = text.indexOf(QUOTE_END, quoted); end >= 0; end = text.indexOf(QUOTE_END, end + 1)) {
      const indices = byText.get(text.slice(quoted, end));
      if (!indices) continue;
      const following = text.indexOf(`\n${UNPARSED}`, end);
      next = following === -1 ? text.length : following;
      for (const index of indices) refused.set(index, text.slice(start, next));
      break;
    }
    if (next === -1) return null;
    start = next + 1;
  }
  return refused.size > 0 ? refused : null;
}
