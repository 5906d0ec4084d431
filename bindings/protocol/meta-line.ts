/**
 * One meta-protocol reply line, interpreted: `<code>[ <size>][ <flag><token>]*` (protocol.txt,
 * "Meta Get" and the sections after it). The parser reads every meta line into one reusable
 * {@link MetaLine}, so no object is made per line, and then decides from its request's shape what
 * the code and the flags mean; this file only knows what is well formed.
 *
 * Strict on purpose: only the return flags failback asks for are accepted, each at most once, so
 * a line that is not an answer to one of our commands is a {@link ProtocolError}, not a guess.
 */
import { ProtocolError } from '../errors.js';
import { describeBytes, SP } from './bytes.js';
import { Decimal } from './decimal.js';

const twoLetters = (text: string): number => (text.charCodeAt(0) << 8) | text.charCodeAt(1);

/** The two-letter return codes, as `(first << 8) | second`, so comparing one is one integer compare. */
export const MetaCode = {
  /** A value follows (`mg … v`, `ma … v`). */
  VA: twoLetters('VA'),
  /** Success with no value ("header"): stored, deleted, touched, counted. */
  HD: twoLetters('HD'),
  /** `mg` miss. */
  EN: twoLetters('EN'),
  /** Not stored (`ms` add/replace/append/prepend conditions). */
  NS: twoLetters('NS'),
  /** The CAS unique did not match. */
  EX: twoLetters('EX'),
  /** Not found. */
  NF: twoLetters('NF'),
  /** The answer to `mn`: every command before it has been answered. */
  MN: twoLetters('MN'),
} as const;

/** Bits of {@link MetaLine.flags}: which return flags the line carried. */
export const MetaFlag = {
  /** `O<token>`: the opaque token copied back. */
  O: 1,
  /** `f<u32>`: client flags. */
  f: 2,
  /** `c<u64>`: CAS unique. */
  c: 4,
  /** `t<-1 | u32>`: TTL left. */
  t: 8,
  /** `k<key>`: the key. */
  k: 16,
  /** `b`: the `k` token is base64 (the item's key is binary). */
  b: 32,
  /** `W`: this client won the right to recache. */
  W: 64,
  /** `X`: the item is stale. */
  X: 128,
  /** `Z`: another client already won. */
  Z: 256,
} as const;

/** Opaque tokens failback sends are decimal and below 2^31: at most 10 digits. */
const MAX_OPAQUE_DIGITS = 10;
/** What {@link MetaLine.opaque} holds when the line had an opaque token failback cannot have sent. */
export const FOREIGN_OPAQUE = -2;

const O = 79, b = 98, c = 99, f = 102, k = 107, t = 116, W = 87, X = 88, Z = 90, MINUS = 45;
const VA_CODE = MetaCode.VA;

/** The fields of the last line read; valid until the next {@link MetaLine.read}. */
export class MetaLine {
  /** One of {@link MetaCode}. */
  code = 0;
  /** A `VA` line's data length. */
  size = 0;
  /** {@link MetaFlag} bits of the flags present. */
  flags = 0;
  /** The opaque token as a number; `-1` when absent, {@link FOREIGN_OPAQUE} when not one of ours. */
  opaque = -1;
  /** `f`: client flags (0 when absent). */
  clientFlags = 0;
  /** `c`: CAS unique (`undefined` when absent). */
  cas: bigint | undefined = undefined;
  /** `t`: seconds left, `-1` for never (0 when absent). */
  ttl = 0;
  /** `k`: where the key token lies in the line's bytes. */
  keyStart = 0;
  keyEnd = 0;

  private readonly decimal = new Decimal();

  /**
   * Reads the line `b[s .. e)` (its `\r\n` excluded). Returns false when it does not start with a
   * meta return code (an error line, or garbage: the caller tells them apart); throws
   * {@link ProtocolError} when it does but the rest is malformed. `command` names the request in messages.
   */
  read(line: Uint8Array, s: number, e: number, command: string): boolean {
    if (e - s < 2 || (e - s > 2 && line[s + 2] !== SP)) return false;
    const code = (line[s] << 8) | line[s + 1];
    if (!isMetaCode(code)) return false;
    this.code = code;
    this.flags = 0;
    this.opaque = -1;
    this.clientFlags = 0;
    this.cas = undefined;
    this.ttl = 0;
    let p = s + 2;
    if (code === VA_CODE) {
      p = this.decimal.read(line, p + 1, e, 10);
      if (p < 0 || this.decimal.value > 0x7fff_ffff) throw this.bad(command, line, s, e, 'a VA line with its data length');
      this.size = this.decimal.value;
    } else if (code === MetaCode.MN && e - s !== 2) {
      throw this.bad(command, line, s, e, 'MN (which carries no flags)');
    }
    while (p < e) {
      // Each flag is one space, a letter and its token; a doubled or trailing space is malformed.
      if (line[p] !== SP || p + 1 === e) throw this.bad(command, line, s, e, 'meta flags separated by single spaces');
      const at = p + 1;
      let end = at + 1;
      while (end < e && line[end] !== SP) end++;
      this.flag(line, at, end, command, s, e);
      p = end;
    }
    return true;
  }

  /** Reads the flag `line[at .. end)` (its letter, then its token). */
  private flag(line: Uint8Array, at: number, end: number, command: string, s: number, e: number): void {
    const letter = line[at];
    let bit: number;
    switch (letter) {
      case O:
        bit = MetaFlag.O;
        this.opaque = this.decimal.read(line, at + 1, end, MAX_OPAQUE_DIGITS) === end ? this.decimal.value : FOREIGN_OPAQUE;
        break;
      case f:
        bit = MetaFlag.f;
        if (this.decimal.read(line, at + 1, end, 10) !== end || this.decimal.value > 0xffff_ffff) throw this.bad(command, line, s, e, 'client flags (f) of 32 bits');
        this.clientFlags = this.decimal.value;
        break;
      case c:
        bit = MetaFlag.c;
        if (this.decimal.read(line, at + 1, end, 20) !== end) throw this.bad(command, line, s, e, 'a CAS unique (c) of 64 bits');
        this.cas = this.decimal.bigint;
        if (this.cas >= 1n << 64n) throw this.bad(command, line, s, e, 'a CAS unique (c) of 64 bits');
        break;
      case t:
        bit = MetaFlag.t;
        if (end - at === 3 && line[at + 1] === MINUS && line[at + 2] === 49) this.ttl = -1;
        else if (this.decimal.read(line, at + 1, end, 10) === end && this.decimal.value <= 0xffff_ffff) this.ttl = this.decimal.value;
        else throw this.bad(command, line, s, e, 'a TTL (t): -1 or seconds');
        break;
      case k:
        bit = MetaFlag.k;
        if (end === at + 1) throw this.bad(command, line, s, e, 'a key (k)');
        this.keyStart = at + 1;
        this.keyEnd = end;
        break;
      case b:
        bit = MetaFlag.b;
        break;
      case W:
        bit = MetaFlag.W;
        break;
      case X:
        bit = MetaFlag.X;
        break;
      case Z:
        bit = MetaFlag.Z;
        break;
      default:
        throw this.bad(command, line, s, e, 'flags failback asked for');
    }
    if (bit >= MetaFlag.b && end !== at + 1) throw this.bad(command, line, s, e, `a bare ${String.fromCharCode(letter)} flag`);
    if ((this.flags & bit) !== 0) throw this.bad(command, line, s, e, `one ${String.fromCharCode(letter)} flag`);
    this.flags |= bit;
  }

  private bad(command: string, line: Uint8Array, s: number, e: number, what: string): ProtocolError {
    return new ProtocolError(`memcached answered ${command} (meta) with a line that is not ${what}: ${describeBytes(line, s, e + 2)}`);
  }
}

function isMetaCode(code: number): boolean {
  return code === MetaCode.VA || code === MetaCode.HD || code === MetaCode.EN || code === MetaCode.NS || code === MetaCode.EX || code === MetaCode.NF || code === MetaCode.MN;
}
