/**
 * How a key is written in a frontend's journal, and the delete that replays it. The journal keeps
 * strings; a binary key (a Uint8Array, meta protocol only) is kept as NUL + its hex, which no
 * string key can be (keys never hold control characters), and is deleted over meta (`md … b`),
 * every other key over text, as any memcached or proxy understands.
 */
import * as meta from '../protocol/meta-commands.js';
import * as text from '../protocol/commands.js';
import type { Key } from '../protocol/replies.js';

const BINARY = '\u0000';

/** The journal's string for `key`. */
export function journalKey(key: Key): string {
  if (typeof key === 'string') return key;
  let hex = BINARY;
  for (const byte of key) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The delete of a journaled key. */
export function deleteJournaled(key: string) {
  if (!key.startsWith(BINARY)) return text.del(key);
  const bytes = new Uint8Array((key.length - 1) / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(key.slice(1 + 2 * i, 3 + 2 * i), 16);
  return meta.del(bytes);
}
