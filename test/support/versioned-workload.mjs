// A read-through workload against a versioned origin, to count stale reads.
//
// The origin is its own memcached (not in the cluster): `origin:<key>` holds `<version>@<ms>`.
// Each key has one writer (the frontend whose `writer` index owns it), so versions only grow:
// a write sets the origin, then the cache. A read reads the origin first, then the cache; a miss
// is filled with `add` (never overwrites a newer write). A read is stale when the cache returned a
// version older than the one the origin already had, and that version was replaced more than
// `graceMs` before the read began (a writer between its origin and cache writes is not a stale read).

/** Plain helpers over a failback Client of the origin server. */
export function originStore(origin) {
  return {
    async read(key) {
      const text = await origin.get(`origin:${key}`);
      if (text === undefined) return { version: 0, at: 0 };
      const [version, at] = text.split('@').map(Number);
      return { version, at };
    },
    async write(key, version) {
      await origin.set(`origin:${key}`, `${version}@${Date.now()}`);
    },
  };
}

/**
 * Runs until `until()` is false. `cache` is the failback Client under test, `writer` this
 * frontend's index among `writers`; returns counts.
 */
export async function runWorkload({ cache, origin, keys, writer, writers, until, graceMs = 150, writeShare = 0.2, pauseMs = 1, onStale }) {
  const store = originStore(origin);
  const versions = new Map();
  const counts = { reads: 0, hits: 0, misses: 0, writes: 0, stale: 0, errors: 0 };
  const mine = keys.filter((_, i) => i % writers === writer);
  while (until()) {
    try {
      if (mine.length > 0 && Math.random() < writeShare) {
        const key = mine[Math.floor(Math.random() * mine.length)];
        const version = (versions.get(key) ?? (await store.read(key)).version) + 1;
        versions.set(key, version);
        await store.write(key, version);
        await cache.set(key, String(version));
        counts.writes++;
      } else {
        const key = keys[Math.floor(Math.random() * keys.length)];
        const started = Date.now();
        const truth = await store.read(key);
        const cached = await cache.get(key);
        counts.reads++;
        if (cached === undefined) {
          counts.misses++;
          const fresh = await store.read(key);
          await cache.add(key, String(fresh.version));
        } else {
          counts.hits++;
          if (Number(cached) < truth.version && started - truth.at > graceMs) {
            counts.stale++;
            onStale?.({ key, cached: Number(cached), origin: truth.version, replacedMsAgo: started - truth.at });
          }
        }
      }
    } catch {
      counts.errors++;
    }
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return counts;
}
