// Binary keys (Uint8Array) over the meta protocol: every command, placement by the key's bytes,
// the journal's replay after a failback, and a clear error over text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createRouter, InvalidKeyError } from '../bindings/entry/node.js';
import { MemcachedServer, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';

let servers: MemcachedServer[];
beforeAll(async () => {
  servers = await startCluster(3);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
});

const bytes = (...b: number[]) => Uint8Array.from(b);
/** Keys no text command could carry: NUL, space, CR LF, high bytes. */
const binaryKeys = [bytes(0), bytes(0x20, 0x20), bytes(13, 10, 0x45, 0x4e, 0x44), bytes(0xff, 0xfe, 0x00, 0x01), Uint8Array.from({ length: 186 }, (_, i) => i)];

describe('binary keys over meta', () => {
  it('every command takes them; getMany answers under the caller\'s own key objects', async () => {
    await using mc = new Client({ servers: servers.map((s) => s.address), protocol: 'meta' });
    for (const [i, key] of binaryKeys.entries()) {
      expect(await mc.set(key, `v${i}`)).toBe(true);
      expect(await mc.get(key)).toBe(`v${i}`);
    }
    const many = await mc.getMany([...binaryKeys, bytes(9, 9, 9)]);
    expect(many.size).toBe(binaryKeys.length);
    binaryKeys.forEach((key, i) => expect(many.get(key)).toBe(`v${i}`));
    const counter = bytes(1, 2, 3);
    await mc.set(counter, '41');
    expect(await mc.incr(counter)).toBe(42);
    const item = await mc.gets(counter);
    expect(await mc.cas(counter, '7', item!.cas)).toBe(true);
    expect(await mc.touch(counter, 60)).toBe(true);
    expect(await mc.delete(counter)).toBe(true);
    expect(await mc.get(counter)).toBeUndefined();
    // A binary key is its bytes: the UTF-8 of a string key names the same item.
    await mc.set('plain:key', 'same item');
    expect(await mc.get(new TextEncoder().encode('plain:key'))).toBe('same item');
  });

  it('are placed by their bytes, as the router places them', async () => {
    await using mc = new Client({ servers: servers.map((s) => s.address), protocol: 'meta' });
    const router = await createRouter({ servers: servers.map((s) => s.address) });
    for (const key of binaryKeys) expect((await mc.serverFor(key)).owner).toBe(router.servers[router.owner(key)].name);
  });

  it('bad ones fail before any I/O; over text, the error says to use meta', async () => {
    await using meta = new Client({ servers: [servers[0].address], protocol: 'meta' });
    await using text = new Client({ servers: [servers[0].address] });
    await expect(meta.get(new Uint8Array(187))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(meta.get(new Uint8Array(0))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(text.get(bytes(1))).rejects.toThrow(/protocol: 'meta'/);
    await expect(text.getMany(['a', bytes(1)])).rejects.toThrow(/protocol: 'meta'/);
    expect(text.servers()[0].counters.requests).toBe(0);
  });

  it('a write skipped while its server was down is deleted there on failback (the journal replays binary keys over meta)', async () => {
    const key = binaryKeys[2];
    await using mc = new Client({ servers: servers.map((s) => s.address), protocol: 'meta', timeout: 200, failureLimit: 1, retryInterval: 200 });
    await mc.set(key, 'old');
    const { owner } = await mc.serverFor(key);
    const victim = servers.find((s) => s.address === owner)!;
    await victim.pause();
    await expect(mc.get(key)).rejects.toMatchObject({ code: 'ERR_COMMAND_TIMEOUT' });
    expect(mc.servers().find((s) => s.name === owner)?.status).toBe('down');
    expect(await mc.set(key, 'new')).toBe(false); // offline: skipped, journaled
    victim.resume();
    await waitFor('failback', () => mc.servers().find((s) => s.name === owner)?.status === 'up', 10_000);
    // Not a restart, so no flush: the stale 'old' is gone because the journal deleted it.
    expect(mc.servers().find((s) => s.name === owner)?.counters.restarts).toBe(0);
    expect(await mc.get(key)).toBeUndefined();
  });
});
