// Stable LSD radix sort of points: u64 items, value in the low 32 bits, server index in the
// high 32 bits. Four 8-bit passes over the value only: being stable, equal values keep their
// input order, which is server order, so the result is sorted by (value asc, server asc).

/** Bits per radix digit. */
const DIGIT_BITS: u32 = 8;
/** Buckets per digit. */
const RADIX: usize = 1 << DIGIT_BITS;
/** Digits (passes) in a 32-bit value. */
const PASSES: u32 = 4;
/** Bytes of one histogram (RADIX u32 counters). */
const HISTOGRAM_BYTES: usize = RADIX << 2;
/** One histogram per pass, all filled in a single read of the input. */
const HISTOGRAMS: usize = memory.data(<i32>(PASSES * <u32>HISTOGRAM_BYTES), 16);

/** Sorts `count` points at `items` using `scratch` (same size); the result is back in `items`. */
export function sortPoints(items: usize, scratch: usize, count: u32): void {
  memory.fill(HISTOGRAMS, 0, <usize>PASSES * HISTOGRAM_BYTES);
  let end = items + (<usize>count << 3);
  for (let p = items; p < end; p += 8) {
    let v = load<u32>(p);
    let h0 = HISTOGRAMS + ((<usize>v & 0xff) << 2);
    let h1 = HISTOGRAMS + ((<usize>(v >>> 8) & 0xff) << 2) + HISTOGRAM_BYTES;
    let h2 = HISTOGRAMS + ((<usize>(v >>> 16) & 0xff) << 2) + 2 * HISTOGRAM_BYTES;
    let h3 = HISTOGRAMS + ((<usize>(v >>> 24)) << 2) + 3 * HISTOGRAM_BYTES;
    store<u32>(h0, load<u32>(h0) + 1);
    store<u32>(h1, load<u32>(h1) + 1);
    store<u32>(h2, load<u32>(h2) + 1);
    store<u32>(h3, load<u32>(h3) + 1);
  }
  let src = items, dst = scratch;
  for (let pass: u32 = 0; pass < PASSES; pass++) {
    // Counts → starting positions.
    let histogram = HISTOGRAMS + <usize>pass * HISTOGRAM_BYTES;
    let sum: u32 = 0;
    for (let b: usize = 0; b < RADIX; b++) {
      let slot = histogram + (b << 2);
      let n = load<u32>(slot);
      store<u32>(slot, sum);
      sum += n;
    }
    let shift = pass * DIGIT_BITS;
    let srcEnd = src + (<usize>count << 3);
    for (let p = src; p < srcEnd; p += 8) {
      let item = load<u64>(p);
      let slot = histogram + ((<usize>(<u32>item >>> shift) & 0xff) << 2);
      let at = load<u32>(slot);
      store<u32>(slot, at + 1);
      store<u64>(dst + (<usize>at << 3), item);
    }
    let t = src; src = dst; dst = t;
  }
  // An even number of passes leaves the result in `items`.
}
