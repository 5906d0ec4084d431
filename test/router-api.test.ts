import { describe, expect, it } from 'vitest';
import { createRouter, InvalidKeyError, InvalidOptionError } from '../bindings/entry/node.js';

const servers = ['10.0.0.1:11211', { host: '10.0.0.2', port: 11211, weight: 2 }, '10.0.0.3:11212:3'];

describe('createRouter options', () => {
  it('defaults to consistent + crc32 + offline on the wasm engine', async () => {
    const router = await createRouter({ servers });
    expect(router.engine).toBe('wasm');
    expect(router.distribution).toBe('consistent');
    expect(router.failover).toBe('offline');
    expect(router.servers.map((s) => [s.name, s.weight])).toEqual([['10.0.0.1:11211', 1], ['10.0.0.2:11211', 2], ['10.0.0.3:11212', 3]]);
  });

  it.each([
    [{ servers: [] }, 'servers'],
    [{ servers: ['host:99999'] }, 'servers[0]'],
    [{ servers: ['a:1', 'a:1'] }, 'servers[1]'],
    [{ servers: [{ host: 'a', port: 1, weight: 0 }] }, 'servers[0].weight'],
    [{ servers: [{ host: '', port: 1 }] }, 'servers[0].host'],
    [{ servers, distribution: 'modula' }, 'distribution'],
    [{ servers, hash: 'md5' }, 'hash'],
    [{ servers, distribution: 'ketama', hash: 'crc32' }, 'hash'],
    [{ servers, failover: 'gutter' }, 'failover'],
    [{ servers, engine: 'native' }, 'engine'],
  ])('rejects %j naming %s', async (options, option) => {
    const err = await createRouter(options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe(option);
    expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  });

  it('rejects a key that is neither a string nor bytes', async () => {
    const router = await createRouter({ servers });
    expect(() => router.route(42 as never)).toThrow(InvalidKeyError);
  });
});

describe.each(['wasm', 'js'] as const)('offline buckets (%s)', (engine) => {
  it('keeps a down server\'s keys on it (-1) under offline, moves only those under redistribute', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `user:${i}:profile`);
    const offline = await createRouter({ servers, engine });
    const redistribute = await createRouter({ servers, engine, failover: 'redistribute' });
    const owners = Array.from(offline.routeMany(keys));
    offline.setDown(1, true);
    redistribute.setDown(1, true);
    const off = offline.routeMany(keys);
    const red = redistribute.routeMany(keys);
    let moved = 0;
    owners.forEach((o, i) => {
      expect(offline.owner(keys[i])).toBe(o);
      if (o === 1) {
        expect(off[i]).toBe(-1);
        expect(red[i]).not.toBe(1);
        expect(red[i]).toBeGreaterThanOrEqual(0);
        moved++;
      } else {
        expect(off[i]).toBe(o);
        expect(red[i]).toBe(o);
      }
    });
    expect(moved).toBeGreaterThan(300);
    offline.setDown(1, false);
    expect(Array.from(offline.routeMany(keys))).toEqual(owners);
    expect(offline.isDown(1)).toBe(false);
  });

  it('routes nowhere when every server is down, and anywhere when there is one server', async () => {
    const router = await createRouter({ servers, engine, failover: 'redistribute' });
    [0, 1, 2].forEach((i) => router.setDown(i, true));
    expect(router.route('k')).toBe(-1);
    const single = await createRouter({ servers: ['127.0.0.1:1'], engine });
    expect(single.routeMany(['a', 'b', 'ключ'])).toEqual(new Int32Array([0, 0, 0]));
  });

  it('grows its key buffer for large batches and long keys', async () => {
    const router = await createRouter({ servers, engine });
    const keys = Array.from({ length: 50_000 }, (_, i) => `${'k'.repeat(i % 245)}${i}`); // up to 249 bytes
    const batch = router.routeMany(keys);
    expect(batch.length).toBe(keys.length);
    for (let i = 0; i < keys.length; i += 997) expect(batch[i]).toBe(router.route(keys[i]));
  });
});
