/**
 * Opaque tokens (`O<n>`) for meta commands: memcached copies a command's token into its answer,
 * and the parser refuses an answer whose token is not the one its request sent, so an answer can
 * never be handed to the wrong request, whatever a proxy or a lost reply did to the order.
 *
 * One counter per process is enough: a token only has to differ from those of the requests
 * pending on the same connection at the same time, far fewer than the counter's period.
 */

/** Tokens stay below 2^31, so they are small integers in JS and at most 10 digits on the wire. */
const PERIOD = 0x7fff_ffff;

let next = 1;

/**
 * Reserves `count` consecutive tokens and returns the first. A batch never wraps around
 * mid-way, so key `i` of a multi-key request always carries `first + i`.
 */
export function takeOpaques(count: number): number {
  if (next + count > PERIOD) next = 1;
  const first = next;
  next += count;
  return first;
}
