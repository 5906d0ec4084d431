// PECL memcache's FNV-1a 32: bytes are read as C's signed char, so bytes >= 0x80 are
// sign-extended before the xor. The state is the hash itself, so it continues freely.

/** FNV-1a 32 offset basis. */
export const FNV_INIT: u32 = 0x811C9DC5;
/** FNV 32-bit prime. */
const FNV_PRIME: u32 = 0x01000193;

/** Continues the FNV state `h` over one byte (sign-extended like C's `char`). */
// @ts-ignore: decorator
@inline export function fnvByte(h: u32, byte: u32): u32 {
  return (h ^ <u32>(<i32>(<i8>byte))) * FNV_PRIME;
}

/** Continues the FNV state `h` over `len` bytes at `ptr`. */
// @ts-ignore: decorator
@inline export function fnvUpdate(h: u32, ptr: usize, len: usize): u32 {
  let end = ptr + len;
  while (ptr < end) {
    h = (h ^ <u32>load<i8>(ptr)) * FNV_PRIME;
    ptr++;
  }
  return h;
}

/** FNV-1a 32 (PECL flavour) of `len` bytes at `ptr`. */
// @ts-ignore: decorator
@inline export function fnv(ptr: usize, len: usize): u32 {
  return fnvUpdate(FNV_INIT, ptr, len);
}
