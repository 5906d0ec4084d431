// Decimal digits of a counter, for the point names and rehash suffixes ("-" + decimal(i)).

/** ASCII '0'. */
const CHAR_0: u32 = 0x30;
/** Room for the digits of any u32 (10), rounded up. */
const DIGITS_CAPACITY: i32 = 16;
/** Static buffer the digits are written to, most significant first, at its start. */
export const DIGITS: usize = memory.data(DIGITS_CAPACITY, 8);

/** Writes decimal(value) at DIGITS and returns the number of digits. */
export function writeDecimal(value: u32): usize {
  let n: usize = 1;
  for (let v = value; v >= 10; v /= 10) n++;
  let p = DIGITS + n;
  do {
    p--;
    store<u8>(p, CHAR_0 + value % 10);
    value /= 10;
  } while (value != 0);
  return n;
}
