import { InvalidKeyError, InvalidOptionError } from '../errors.js';
import { MAX_KEY_BYTES } from '../protocol/keys.js';
import type { ServerAddress } from '../servers.js';
import { Distribution, type Core, type Failover, type HashKind } from './core.js';
import { createJsCore } from './js/core.js';
import {
  resolveRouterOptions, type CompatName, type EngineName, type FailoverName, type HashName, type PlacementName, type ResolvedRouterOptions, type RouterOptions,
} from './options.js';
import { instantiateWasmCore } from './wasm-core.js';

/** A key as a string (hashed as its UTF-8 bytes) or raw bytes. */
export type RouteKey = string | Uint8Array;

const encoder = new TextEncoder();
/**
 * UTF-8 takes at most 3 bytes per UTF-16 unit, so a string of at most MAX_KEY_BYTES units always
 * fits here whole: `written` is then its true length.
 */
const SCRATCH_BYTES = MAX_KEY_BYTES * 3;
/** Room for the first keys (at least SCRATCH_BYTES); grown on demand for byte batches only. */
const INITIAL_KEY_BYTES = 64 * 1024;
const INITIAL_KEYS = 1024;
/**
 * Keys joined per `encodeInto` in `routeAscii`: larger chunks amortize the call, and a cons string
 * of a few hundred parts still flattens cheaply (one string of all 10,000 keys was 3× slower).
 */
const JOIN_KEYS = 256;
/** What `checkAll` found among a batch's keys (bits). */
const STRING_KEYS = 1;
const BYTE_KEYS = 2;

function invalidKey(key: unknown): InvalidKeyError {
  return new InvalidKeyError(`a key must be a string or a Uint8Array, got ${key === null ? 'null' : typeof key}`);
}

function tooLong(key: RouteKey, size: string): InvalidKeyError {
  const which = typeof key === 'string' ? `key ${JSON.stringify(`${key.slice(0, 40)}…`)}` : 'a key';
  return new InvalidKeyError(`${which} is ${size}; memcached allows at most ${MAX_KEY_BYTES} bytes`);
}

/**
 * Maps keys to server indexes, byte-exact with the client its distribution names.
 * Pure: no I/O, no clock. Create with {@link createRouter}.
 */
export class Router {
  /** The engine running the core. */
  readonly engine: EngineName;
  /** The servers, in configured order; indexes returned by the router index this list. */
  readonly servers: readonly ServerAddress[];
  /** The placement family (`modula` for every modula-shaped compat preset, `ketama` for the continuum ones). */
  readonly distribution: PlacementName;
  /** The compat preset, when one was given. */
  readonly compat: CompatName | undefined;
  /** The key hash's name (that client's name for it with `compat`). */
  readonly hash: HashName;
  readonly failover: FailoverName;
  /** Dalli's namespace (compat `dalli/ring`), undefined: none. */
  readonly namespace: string | undefined;
  private readonly core: Core;
  private readonly failoverCode: Failover;
  private readonly downFlags: Uint8Array;
  /**
   * A fixed view on the first SCRATCH_BYTES of the key region. `TextEncoder.encodeInto` into one
   * fixed view is its fastest form (no view to allocate per key); string keys are encoded there
   * and routed one crossing each. Keys are checked against MAX_KEY_BYTES before or while they are
   * written here, so no key, however long, grows the core's memory.
   */
  private scratch!: Uint8Array;
  private buffer!: ArrayBuffer;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private keysPtr = 0;
  private offsetsIndex = 0;
  private outIndex = 0;
  private keyBytes = 0;
  private keyCount = 0;

  /** @internal Use {@link createRouter}. */
  constructor(core: Core, engine: EngineName, resolved: ResolvedRouterOptions) {
    this.core = core;
    this.engine = engine;
    this.servers = Object.freeze(resolved.servers);
    this.distribution = resolved.distribution;
    this.compat = resolved.compat;
    this.hash = resolved.hash;
    this.failover = resolved.failover;
    this.namespace = resolved.namespace;
    this.failoverCode = resolved.codes.failover;
    this.downFlags = new Uint8Array(this.servers.length);
    this.build(resolved.codes.distribution, resolved.codes.hash, resolved.pointNames, resolved.coreWeights);
  }

  private build(distribution: Distribution, hash: HashKind, pointNames: readonly string[], weights: readonly number[]): void {
    const records = pointNames.map((name, i) => ({ bytes: encoder.encode(name), weight: weights[i] }));
    // Dalli's ring reads its namespace from one more record (weight 1: set, 0: none).
    if (distribution === Distribution.Ring) records.push({ bytes: encoder.encode(this.namespace ?? ''), weight: this.namespace === undefined ? 0 : 1 });
    const nameBytes = records.reduce((n, r) => n + r.bytes.length, 0);
    this.core.reserveServers(records.length, nameBytes);
    this.refreshViews();
    const serversIndex = this.core.serversPtr() >> 2;
    const namesPtr = this.core.namesPtr();
    let offset = 0;
    records.forEach(({ bytes, weight }, i) => {
      this.u8.set(bytes, namesPtr + offset);
      this.i32[serversIndex + i * 3] = offset;
      this.i32[serversIndex + i * 3 + 1] = bytes.length;
      this.i32[serversIndex + i * 3 + 2] = weight;
      offset += bytes.length;
    });
    this.core.build(distribution, hash, this.servers.length);
    this.reserveKeys(INITIAL_KEY_BYTES, INITIAL_KEYS);
  }

  private refreshViews(): void {
    this.buffer = this.core.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
  }

  private reserveKeys(bytes: number, keys: number): void {
    if (bytes <= this.keyBytes && keys <= this.keyCount) return;
    this.keyBytes = Math.max(bytes, this.keyBytes * 2, INITIAL_KEY_BYTES);
    this.keyCount = Math.max(keys, this.keyCount * 2, INITIAL_KEYS);
    this.core.reserveKeys(this.keyBytes, this.keyCount);
    this.refreshViews();
    this.keysPtr = this.core.keysPtr();
    this.offsetsIndex = this.core.offsetsPtr() >> 2;
    this.outIndex = this.core.outPtr() >> 2;
    this.scratch = new Uint8Array(this.buffer, this.keysPtr, SCRATCH_BYTES);
  }

  /**
   * Puts one key's bytes at the start of the key region; returns their length.
   * @throws InvalidKeyError for a key longer than MAX_KEY_BYTES (before copying more than SCRATCH_BYTES).
   */
  private writeOne(key: RouteKey): number {
    if (typeof key === 'string') {
      // More units than bytes allowed: too long whatever they encode to, so never encoded.
      if (key.length > MAX_KEY_BYTES) throw tooLong(key, `${key.length} characters`);
      const written = encoder.encodeInto(key, this.scratch).written;
      if (written > MAX_KEY_BYTES) throw tooLong(key, `${written} bytes as UTF-8`);
      return written;
    }
    if (!(key instanceof Uint8Array)) throw invalidKey(key);
    if (key.length > MAX_KEY_BYTES) throw tooLong(key, `${key.length} bytes`);
    this.u8.set(key, this.keysPtr);
    return key.length;
  }

  /**
   * Throws what `writeOne` would for any of `keys`, writing nothing past the scratch; returns
   * which kinds of key there are (`STRING_KEYS`, `BYTE_KEYS`, both, or 0 for none).
   */
  private checkAll(keys: readonly RouteKey[]): number {
    let kinds = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key === 'string') {
        kinds |= STRING_KEYS;
        // Up to MAX_KEY_BYTES / 3 units always fits; longer strings are measured (the scratch is bounded).
        if (key.length > MAX_KEY_BYTES / 3) this.writeOne(key);
      } else if (!(key instanceof Uint8Array)) {
        throw invalidKey(key);
      } else if (key.length > MAX_KEY_BYTES) {
        throw tooLong(key, `${key.length} bytes`);
      } else {
        kinds |= BYTE_KEYS;
      }
    }
    return kinds;
  }

  /** Index of the server that owns `key`, ignoring health. */
  owner(key: RouteKey): number {
    const len = this.writeOne(key);
    return this.core.owner(this.keysPtr, len);
  }

  /** Index of the server to use for `key` now; -1 when none (owner down under `offline`, or rehash exhausted). */
  route(key: RouteKey): number {
    const len = this.writeOne(key);
    return this.core.route(this.keysPtr, len, this.failoverCode);
  }

  /**
   * `route()` of each key. Byte keys, and string keys that are all ASCII, are written back to back
   * and routed in one crossing into the core. Other string keys are encoded one at a time into a
   * fixed view and routed one crossing each, which measured 1.4× faster in V8 than `encodeInto` at
   * moving offsets (a view per key costs).
   * @throws InvalidKeyError when any key is not a string or bytes, or longer than MAX_KEY_BYTES:
   * every key is checked before any is routed.
   */
  routeMany(keys: readonly RouteKey[]): Int32Array {
    const n = keys.length;
    const kinds = this.checkAll(keys);
    if (kinds === BYTE_KEYS) return this.routeBytes(keys as readonly Uint8Array[]);
    if (kinds === STRING_KEYS) {
      const routed = this.routeAscii(keys as readonly string[]);
      if (routed !== undefined) return routed;
    }
    const out = new Int32Array(n);
    const core = this.core;
    const failover = this.failoverCode;
    for (let i = 0; i < n; i++) out[i] = core.route(this.keysPtr, this.writeOne(keys[i]), failover);
    return out;
  }

  /**
   * Routes string keys that are all ASCII (nearly every real key) in one crossing, written back
   * to back into the core's memory by one `encodeInto` per JOIN_KEYS keys joined with `+`: the
   * encoder copies natively what a `charCodeAt` loop copies a unit at a time (27 against 55 ns per
   * realistic key, bench/RESULTS.md; `Array.prototype.join` costs more than the loop). ASCII units
   * are their UTF-8 bytes, so each key's offset is the sum of the lengths before it. Any other unit
   * takes two bytes or more, so a chunk with one cannot be read whole into room for its units:
   * then this returns undefined, having routed nothing.
   */
  private routeAscii(keys: readonly string[]): Int32Array | undefined {
    const n = keys.length;
    this.reserveBatch(keys);
    const { u8, i32, keysPtr, offsetsIndex } = this;
    let at = 0;
    for (let i = 0; i < n;) {
      const from = at;
      const end = Math.min(n, i + JOIN_KEYS);
      let joined = '';
      for (; i < end; i++) {
        const key = keys[i];
        i32[offsetsIndex + i] = at;
        at += key.length;
        joined += key;
      }
      if (encoder.encodeInto(joined, u8.subarray(keysPtr + from, keysPtr + at)).read !== at - from) return undefined;
    }
    return this.routeWritten(n, at);
  }

  /** Writes byte keys (checked by `checkAll`) back to back into the core's memory, then routes them all in one call. */
  private routeBytes(keys: readonly Uint8Array[]): Int32Array {
    const n = keys.length;
    this.reserveBatch(keys);
    const { u8, i32, keysPtr, offsetsIndex } = this;
    let at = 0;
    for (let i = 0; i < n; i++) {
      i32[offsetsIndex + i] = at;
      u8.set(keys[i], keysPtr + at);
      at += keys[i].length;
    }
    return this.routeWritten(n, at);
  }

  /** Makes room in the core for `keys` back to back, each as many bytes as its length (ASCII strings, byte keys). */
  private reserveBatch(keys: readonly { readonly length: number }[]): void {
    let total = 0;
    for (let i = 0; i < keys.length; i++) total += keys[i].length;
    this.reserveKeys(total, keys.length);
  }

  /** Routes the `n` keys just written back to back (`bytes` in all) in one call into the core. */
  private routeWritten(n: number, bytes: number): Int32Array {
    this.i32[this.offsetsIndex + n] = bytes;
    this.core.routeMany(n, this.failoverCode);
    return this.i32.slice(this.outIndex, this.outIndex + n);
  }

  /** Marks server `index` down (`true`) or up (`false`): its buckets go offline or back online. */
  setDown(index: number, down: boolean): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.servers.length) {
      throw new InvalidOptionError('index', `must be a server index from 0 to ${this.servers.length - 1}, got ${index}`);
    }
    this.downFlags[index] = down ? 1 : 0;
    this.core.setDown(index, down ? 1 : 0);
  }

  /** Whether server `index` is marked down. */
  isDown(index: number): boolean {
    return this.downFlags[index] === 1;
  }
}

/**
 * Builds a router. The WASM core is used unless `engine: 'js'`; when `engine` is omitted and
 * WASM cannot load here, the pure-TS twin (same results) is used instead.
 *
 * @throws InvalidOptionError for a bad option (the message names it and what is allowed).
 * @throws WasmUnavailableError with `engine: 'wasm'` where WASM cannot load.
 */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const resolved = resolveRouterOptions(options);
  if (resolved.engine === 'js') return new Router(createJsCore(), 'js', resolved);
  let core: Core;
  try {
    core = await instantiateWasmCore();
  } catch (err) {
    if (resolved.engine === 'wasm') throw err;
    return new Router(createJsCore(), 'js', resolved);
  }
  return new Router(core, 'wasm', resolved);
}
