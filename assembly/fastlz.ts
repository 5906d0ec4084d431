// FastLZ decompression (levels 1 and 2), the format php-memcached compresses values with by
// default. Bounds are checked on every read and write: the input comes off the network.
// docs/routing-core.md § FastLZ describes the format; bindings/routing/js/fastlz.ts is the twin.

/** Matches at level 2 whose offset byte pair is 255/31 carry a 16-bit distance beyond this. */
const LEVEL2_FAR: usize = 8191;

/**
 * Decompresses `srcLen` bytes at `src` into at most `dstCap` bytes at `dst`; returns the bytes
 * written, or -1 when the input is not a FastLZ block or would write outside the output.
 */
export function fastlzDecompress(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (srcLen == 0) return 0;
  let level = <u32>load<u8>(src) >> 5;
  if (level > 1) return -1;
  let ip = src;
  let ipEnd = src + srcLen;
  let op = dst;
  let opEnd = dst + dstCap;
  let ctrl = <u32>load<u8>(ip++) & 31;
  while (true) {
    if (ctrl >= 32) {
      let len = <usize>(ctrl >> 5) - 1;
      let ofs = <usize>(ctrl & 31) << 8;
      if (len == 6) {
        if (level == 0) {
          if (ip >= ipEnd) return -1;
          len += <usize>load<u8>(ip++);
        } else {
          let code: u32 = 255;
          while (code == 255) {
            if (ip >= ipEnd) return -1;
            code = load<u8>(ip++);
            len += code;
          }
        }
      }
      if (ip >= ipEnd) return -1;
      let code = <usize>load<u8>(ip++);
      let distance = ofs + code;
      if (level == 1 && code == 255 && ofs == (31 << 8)) {
        if (ip + 2 > ipEnd) return -1;
        distance = ((<usize>load<u8>(ip) << 8) | <usize>load<u8>(ip + 1)) + LEVEL2_FAR;
        ip += 2;
      }
      len += 3;
      if (distance + 1 > op - dst || op + len > opEnd) return -1;
      // Byte by byte: a match may overlap the bytes it produces (a run).
      let ref = op - distance - 1;
      for (let i: usize = 0; i < len; i++) store<u8>(op + i, load<u8>(ref + i));
      op += len;
    } else {
      let run = <usize>ctrl + 1;
      if (ip + run > ipEnd || op + run > opEnd) return -1;
      memory.copy(op, ip, run);
      ip += run;
      op += run;
    }
    if (ip >= ipEnd) break;
    ctrl = load<u8>(ip++);
  }
  return <i32>(op - dst);
}
