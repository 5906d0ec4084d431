// The offline bitmap: one bit per table entry, 1 = the entry's server is down.
// Stored as u32 words; entry e is bit (e & 31) of word (e >>> 5).

/** log2 of the bits per bitmap word. */
const WORD_BITS_LOG2: u32 = 5;
/** Mask of the bit index within a word. */
const WORD_BIT_MASK: u32 = 31;

/** Bytes needed by a bitmap of `bits` bits. */
// @ts-ignore: decorator
@inline export function bitmapBytes(bits: u32): u64 {
  return ((<u64>bits + WORD_BIT_MASK) >> WORD_BITS_LOG2) << 2;
}

/** Whether bit `i` is set. */
// @ts-ignore: decorator
@inline export function bitTest(bitmap: usize, i: u32): bool {
  return ((load<u32>(bitmap + (<usize>(i >>> WORD_BITS_LOG2) << 2)) >>> (i & WORD_BIT_MASK)) & 1) != 0;
}

/** Sets (on) or clears bit `i`; returns whether it changed. */
// @ts-ignore: decorator
@inline export function bitAssign(bitmap: usize, i: u32, on: bool): bool {
  let word = bitmap + (<usize>(i >>> WORD_BITS_LOG2) << 2);
  let old = load<u32>(word);
  let mask: u32 = 1 << (i & WORD_BIT_MASK);
  let next = on ? old | mask : old & ~mask;
  store<u32>(word, next);
  return next != old;
}

/** Clears a bitmap of `bits` bits. */
// @ts-ignore: decorator
@inline export function bitmapClear(bitmap: usize, bits: u32): void {
  memory.fill(bitmap, 0, <usize>bitmapBytes(bits));
}
