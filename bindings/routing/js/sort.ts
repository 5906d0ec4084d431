// Points are sorted by value with ties in server order. They are generated server by server,
// so a stable sort by value alone gives exactly that order, and an LSD radix sort is stable
// by construction (and linear, which matters for 160 points per weight unit).

/** Counts of one pass: one bucket per byte value, plus one so prefix sums start at 0. */
const COUNTS = new Int32Array(4 * 257);

/**
 * Sorts `values[0, count)` ascending as u32, moving `servers` along, stably. `tmpValues` and
 * `tmpServers` (at least `count` long) are scratch; the result ends in `values`/`servers`
 * because there are four passes (one per byte), an even number of ping-pongs.
 */
export function radixSortPoints(
  values: Uint32Array,
  servers: Int32Array,
  tmpValues: Uint32Array,
  tmpServers: Int32Array,
  count: number,
): void {
  const counts = COUNTS;
  counts.fill(0);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    counts[(v & 0xff) + 1]++;
    counts[257 + ((v >>> 8) & 0xff) + 1]++;
    counts[514 + ((v >>> 16) & 0xff) + 1]++;
    counts[771 + (v >>> 24) + 1]++;
  }
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 257;
    for (let b = 1; b < 257; b++) counts[base + b] += counts[base + b - 1];
  }
  let fromV = values, fromS = servers, toV = tmpValues, toS = tmpServers;
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 257;
    const shift = pass * 8;
    for (let i = 0; i < count; i++) {
      const v = fromV[i];
      const at = counts[base + ((v >>> shift) & 0xff)]++;
      toV[at] = v;
      toS[at] = fromS[i];
    }
    const v = fromV, s = fromS;
    fromV = toV;
    fromS = toS;
    toV = v;
    toS = s;
  }
}
