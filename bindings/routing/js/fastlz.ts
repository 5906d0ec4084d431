// The twin of assembly/fastlz.ts: FastLZ decompression (levels 1 and 2) over the core's memory,
// with the same bounds checks and the same results, byte for byte.

/** Matches at level 2 whose offset byte pair is 255/31 carry a 16-bit distance beyond this. */
const LEVEL2_FAR = 8191;

/**
 * Decompresses `srcLen` bytes at `src` of `u8` into at most `dstCap` bytes at `dst`; returns the
 * bytes written, or -1 when the input is not a FastLZ block or would write outside the output.
 */
export function fastlzDecompress(u8: Uint8Array, src: number, srcLen: number, dst: number, dstCap: number): number {
  if (srcLen === 0) return 0;
  const level = u8[src] >> 5;
  if (level > 1) return -1;
  let ip = src;
  const ipEnd = src + srcLen;
  let op = dst;
  const opEnd = dst + dstCap;
  let ctrl = u8[ip++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >> 5) - 1;
      const ofs = (ctrl & 31) << 8;
      if (len === 6) {
        if (level === 0) {
          if (ip >= ipEnd) return -1;
          len += u8[ip++];
        } else {
          let code = 255;
          while (code === 255) {
            if (ip >= ipEnd) return -1;
            code = u8[ip++];
            len += code;
          }
        }
      }
      if (ip >= ipEnd) return -1;
      const code = u8[ip++];
      let distance = ofs + code;
      if (level === 1 && code === 255 && ofs === 31 << 8) {
        if (ip + 2 > ipEnd) return -1;
        distance = ((u8[ip] << 8) | u8[ip + 1]) + LEVEL2_FAR;
        ip += 2;
      }
      len += 3;
      if (distance + 1 > op - dst || op + len > opEnd) return -1;
      // Byte by byte: a match may overlap the bytes it produces (a run).
      const ref = op - distance - 1;
      for (let i = 0; i < len; i++) u8[op + i] = u8[ref + i];
      op += len;
    } else {
      const run = ctrl + 1;
      if (ip + run > ipEnd || op + run > opEnd) return -1;
      u8.copyWithin(op, ip, ip + run);
      ip += run;
      op += run;
    }
    if (ip >= ipEnd) break;
    ctrl = u8[ip++];
  }
  return op - dst;
}
