// Per-command options (signal, timeout, noreply) and the many-key writes, against real memcached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, Client, InvalidOptionError } from '../bindings/entry/node.js';
import { MemcachedServer, serverStats, startCluster } from './support/memcached.js';

let servers: MemcachedServer[];
let mc: Client;
beforeAll(async () => {
  servers = await startCluster(3);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
});

const cmdGets = async () => (await Promise.all(servers.map((s) => serverStats(s.host, s.port)))).reduce((n, st) => n + Number(st.get('cmd_get')), 0);

// Both wire protocols: the same options, the same results.
describe.each(['text', 'meta'] as const)('%s protocol', (protocol) => {
beforeAll(async () => {
  mc = new Client({ servers: servers.map((s) => s.address), timeout: 5000, failureLimit: 10, protocol });
  await mc.flush(); // the other protocol's run used the same servers
});
afterAll(async () => {
  await mc?.close();
});

describe('per-command options', () => {
  it('an already aborted signal rejects before anything is sent', async () => {
    await mc.connect();
    const before = await cmdGets();
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const err = await mc.get('k', { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ code: 'ERR_ABORTED', message: expect.stringContaining('user left') });
    await expect(mc.set('k', 'v', { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(await cmdGets()).toBe(before);
  });

  it('aborting a command in flight rejects it at once; the connection stays in step', async () => {
    const [key] = ['abort:key'];
    await mc.set(key, 'right');
    await mc.set('abort:other', 'other');
    const { server } = await mc.serverFor(key);
    const victim = servers.find((s) => s.address === server)!;
    await victim.pause();
    const controller = new AbortController();
    const aborted = mc.get(key, { signal: controller.signal });
    const queued = mc.get(key);
    setTimeout(() => controller.abort(), 50);
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    victim.resume();
    // The answer to the aborted get was read and dropped: the next one gets its own.
    expect(await queued).toBe('right');
    expect(await mc.get(key)).toBe('right');
  });

  it('a per-command timeout overrides the client timeout', async () => {
    const key = 'timeout:key';
    const { server } = await mc.serverFor(key);
    const victim = servers.find((s) => s.address === server)!;
    await victim.pause();
    try {
      const started = Date.now();
      await expect(mc.get(key, { timeout: 150 })).rejects.toMatchObject({ code: 'ERR_COMMAND_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(4000); // far below the client's 5000 ms
    } finally {
      victim.resume();
    }
  });

  it('noreply writes resolve once sent, and take effect', async () => {
    expect(await mc.set('nr:a', '1', { noreply: true })).toBe(true);
    expect(await mc.add('nr:b', 'b', { noreply: true })).toBe(true);
    expect(await mc.incr('nr:a', 5, { noreply: true })).toBeUndefined();
    expect(await mc.touch('nr:b', 100, { noreply: true })).toBe(true);
    expect(await mc.append('nr:b', '+', { noreply: true })).toBe(true);
    // A reply-awaiting command on the same connection comes after them: they are applied.
    expect(await mc.get('nr:a')).toBe('6');
    expect(await mc.get('nr:b')).toBe('b+');
    expect(await mc.delete('nr:a', { noreply: true })).toBe(true);
    expect(await mc.get('nr:a')).toBeUndefined();
  });

  it('bad options are an InvalidOptionError before anything is sent', async () => {
    for (const options of [{ timeout: -1 }, { timeout: Infinity }, { signal: {} }, { noreply: 'yes' }, null]) {
      await expect(mc.set('bad', 'v', options as never)).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(mc.get('bad', options as never)).rejects.toBeInstanceOf(InvalidOptionError);
    }
  });
});

describe('setMany / deleteMany', () => {
  it('write and delete many keys across servers, each with its own result', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => [`many:${i}`, `v${i}`] as const);
    const set = await mc.setMany(entries, { ttl: 60 });
    expect([...set.values()].every(Boolean)).toBe(true);
    expect(set.size).toBe(60);
    const got = await mc.getMany(entries.map(([k]) => k));
    expect(got.size).toBe(60);
    expect(got.get('many:7')).toBe('v7');
    const deleted = await mc.deleteMany([...entries.map(([k]) => k), 'many:absent']);
    expect(deleted.get('many:7')).toBe(true);
    expect(deleted.get('many:absent')).toBe(false);
    expect((await mc.getMany(entries.map(([k]) => k))).size).toBe(0);
  });
});
});
