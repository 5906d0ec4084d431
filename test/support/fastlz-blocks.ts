// Builds valid FastLZ blocks (levels 1 and 2) from a token model, with the bytes they must
// decompress to: the decoders are tested against a model, not against their own output.

export type Token = { literal: Uint8Array } | { distance: number; length: number };

/** The bytes `tokens` stand for (matches copy byte by byte, so they may overlap). */
export function expand(tokens: Token[]): Uint8Array {
  const out: number[] = [];
  for (const t of tokens) {
    if ('literal' in t) out.push(...t.literal);
    else for (let i = 0; i < t.length; i++) out.push(out[out.length - t.distance]);
  }
  return Uint8Array.from(out);
}

/** The FastLZ block of `tokens` at `level`; the first token must be a literal of 1–32 bytes. */
export function encode(tokens: Token[], level: 1 | 2): Uint8Array {
  const out: number[] = [];
  for (const t of tokens) {
    if ('literal' in t) {
      out.push(t.literal.length - 1, ...t.literal);
      continue;
    }
    const d = t.distance - 1;
    const len = t.length - 2;
    const far = level === 2 && d >= 8191;
    const near = far ? 31 << 8 : d;
    const head = (len < 7 ? len : 7) << 5;
    out.push(head | (near >> 8));
    if (len >= 7) {
      let rest = len - 7;
      if (level === 1) out.push(rest);
      else {
        while (rest >= 255) {
          out.push(255);
          rest -= 255;
        }
        out.push(rest);
      }
    }
    if (far) out.push(255, (d - 8191) >> 8, (d - 8191) & 255);
    else out.push(near & 255);
  }
  if (level === 2) out[0] |= 1 << 5;
  return Uint8Array.from(out);
}
