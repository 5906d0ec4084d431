import { createRouter } from '../../bindings/entry/node.js';

/** `count` keys `<prefix><n>` owned by each server (PECL consistent routing), in the order of `addresses`. */
export async function keysByOwner(addresses: string[], count: number, prefix: string): Promise<string[][]> {
  const router = await createRouter({ servers: addresses });
  const out: string[][] = addresses.map(() => []);
  for (let i = 0; out.some((k) => k.length < count); i++) {
    const key = `${prefix}${i}`;
    const list = out[router.owner(key)];
    if (list.length < count) list.push(key);
  }
  return out;
}
