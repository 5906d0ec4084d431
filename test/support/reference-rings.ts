/**
 * Independent re-statements of the rings the cores build, written from the clients' source as
 * HASHING-2.md quotes it, on node:crypto and zlib and plain JS collections: Dalli 3.0.6's Ring
 * and KeyManager, spymemcached 2.12.3's KetamaNodeLocator (a TreeMap) and KetamaIterator.
 * Keys are well-formed strings (what Ruby and Java strings hold).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const crc = (s: string): number => crc32(utf8(s)) >>> 0;

/** The first point at or after h (Java's ceilingKey), else the first: `points` ascending. */
function ceiling(points: number[], h: number): number {
  const i = points.findIndex((p) => p >= h);
  return points[i < 0 ? 0 : i];
}

/** Dalli's ring: route(key, down) is the server Dalli stores `key` on, -1 when it raises. */
export class DalliRing {
  private readonly continuum: { value: number; server: number }[] = [];

  constructor(private readonly servers: readonly { name: string; weight: number }[], private readonly namespace?: string) {
    const total = servers.reduce((t, s) => t + s.weight, 0);
    servers.forEach((s, server) => {
      const count = Math.floor((servers.length * 160 * s.weight) / total);
      for (let i = 0; i < count; i++) {
        this.continuum.push({ value: parseInt(createHash('sha1').update(`${s.name}:${i}`).digest('hex').slice(0, 8), 16), server });
      }
    });
    // Ruby's sort is unstable; equal values keep server order here, as in the cores.
    this.continuum.sort((a, b) => a.value - b.value || a.server - b.server);
  }

  /** KeyManager#validate_key: the namespace, then the cut of a key over 250 characters. */
  finalKey(key: string): string {
    const full = this.namespace === undefined ? key : `${this.namespace}:${key}`;
    const chars = Array.from(full);
    if (chars.length <= 250) return full;
    return `${chars.slice(0, this.namespace === undefined ? 212 : 213).join('')}:md5:${createHash('md5').update(utf8(full)).digest('hex')}`;
  }

  /** Dalli's binary_search, as written (an equal point at once, else upper; -1 is Ruby's last element). */
  private lookup(h: number): number {
    let lower = 0;
    let upper = this.continuum.length - 1;
    while (lower <= upper) {
      const idx = Math.floor((lower + upper) / 2);
      const v = this.continuum[idx].value;
      if (v === h) return this.continuum[idx].server;
      if (v > h) upper = idx - 1;
      else lower = idx + 1;
    }
    return this.continuum.at(upper)!.server;
  }

  route(key: string, down: ReadonlySet<number>, failover: boolean): number {
    const k = this.finalKey(key);
    if (this.servers.length === 1) return down.has(0) ? -1 : 0;
    let h = crc(k);
    for (let attempt = 0; attempt < 20; attempt++) {
      const s = this.lookup(h);
      if (!down.has(s)) return s;
      if (!failover) return -1;
      h = crc(`${attempt}${k}`);
    }
    return -1;
  }
}

/** Java's String.hashCode, read as a u32 (NATIVE_HASH). */
function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h >>> 0;
}

function md5Words(s: string): number[] {
  const d = createHash('md5').update(utf8(s)).digest();
  return [0, 4, 8, 12].map((o) => d.readUInt32LE(o));
}

/** spymemcached's KetamaNodeLocator over node names; weights given: the weighted mode. */
export class SpymemcachedKetama {
  private readonly nodes = new Map<number, number>();
  private readonly points: number[];
  private readonly hash: (s: string) => number;

  constructor(names: string[], hash: 'md5' | 'native', weights?: number[]) {
    this.hash = hash === 'md5' ? (s) => md5Words(s)[0] : hashCode;
    const total = weights?.reduce((a, b) => a + b, 0) ?? 0;
    const f = Math.fround;
    names.forEach((name, node) => {
      if (weights !== undefined) {
        const percent = f(f(weights[node]) / f(total));
        const pointers = Math.floor(f(f(f(f(percent * 160) / 4) * f(names.length)) + 0.0000000001)) * 4;
        for (let i = 0; i < pointers / 4; i++) for (const p of md5Words(`${name}-${i}`)) this.nodes.set(p, node);
      } else if (hash === 'md5') {
        for (let i = 0; i < 40; i++) for (const p of md5Words(`${name}-${i}`)) this.nodes.set(p, node);
      } else {
        for (let i = 0; i < 160; i++) this.nodes.set(hashCode(`${name}-${i}`), node);
      }
    });
    this.points = [...this.nodes.keys()].sort((a, b) => a - b);
  }

  private node(h: number): number {
    return this.nodes.get(ceiling(this.points, h))!;
  }

  /** MemcachedConnection.addOperation under FailureMode.Redistribute (failover) or Cancel; -1: no live node. */
  route(key: string, down: ReadonlySet<number>, failover: boolean): number {
    let h = this.hash(key);
    const primary = this.node(h);
    if (!down.has(primary)) return primary;
    if (!failover) return -1;
    // KetamaIterator: 7 tries, the first the primary's; then h += hash(tries + key), truncated to 32 bits.
    for (let tries = 0; tries < 7; tries++) {
      const n = this.node(h);
      if (!down.has(n)) return n;
      h = (h + this.hash(`${tries}${key}`)) >>> 0;
    }
    return -1;
  }
}
