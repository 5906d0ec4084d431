/**
 * How the Keyv store names its memcached keys. Every key is `<head>:<text>` when that is a key
 * memcached accepts, and `<head>#<sha256(text)>` when it is not (longer than 250 bytes as UTF-8,
 * or containing white space or control characters):
 *
 * - a value: head = the namespace's generation (decimal digits), text = the key Keyv passes
 *   (Keyv has already prefixed it with `namespace:`), e.g. `1844674407:users:42`;
 * - a namespace's generation: head = `keyv-generation`, text = the namespace (empty without one),
 *   e.g. `keyv-generation:users`.
 *
 * No two Keyv keys share a memcached key: a head never contains `:` or `#`, so the first of them
 * ends it, the `:` form keeps the text as is, and the `#` form is the lowercase hex SHA-256 of the
 * text's UTF-8 (64 characters), which only a SHA-256 collision could repeat. A value's head starts
 * with a digit and the generation's head does not, so neither kind can take the other's name.
 */
import { InvalidKeyError } from '../errors.js';
import { keyByteLength } from '../protocol/keys.js';

/** The head of every namespace's generation key. */
export const GENERATION_HEAD = 'keyv-generation';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `<head>:<text>` when memcached accepts it, otherwise `<head>#<sha256 hex of text>`.
 *
 * @throws InvalidKeyError when `text` has a lone surrogate: it has no UTF-8 form, so two different
 * keys would hash alike (memcached keys are bytes; failback's Client refuses such keys too).
 */
export async function storeKey(head: string, text: string): Promise<string> {
  const plain = `${head}:${text}`;
  try {
    keyByteLength(plain);
    return plain;
  } catch (err) {
    if (!(err instanceof InvalidKeyError)) throw err;
  }
  const bytes = encoder.encode(text);
  if (decoder.decode(bytes) !== text) {
    throw new InvalidKeyError(`Keyv key ${JSON.stringify(text.slice(0, 40))} has a lone surrogate (half of a UTF-16 pair): it has no UTF-8 form; pass well-formed strings as keys`);
  }
  return `${head}#${await sha256Hex(bytes)}`;
}

/** {@link storeKey} of each of `texts`, in order. */
export function storeKeys(head: string, texts: readonly string[]): Promise<string[]> {
  return Promise.all(texts.map((text) => storeKey(head, text)));
}

/** Lowercase hex SHA-256 (Web Crypto: Node, Deno, Bun and workerd all have it). */
async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
