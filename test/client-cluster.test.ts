import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createRouter } from '../bindings/entry/node.js';
import { MemcachedServer, rawCommand, startCluster } from './support/memcached.js';
import { makeSelfSignedCertificate } from './support/tls.js';

let servers: MemcachedServer[];
beforeAll(async () => {
  servers = await startCluster(4);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe.each(['consistent', 'standard', 'buckets', 'ketama'] as const)('a 4-server cluster (%s)', (distribution) => {
  it('getMany returns every hit, and each key sits on the server the router names', async () => {
    const addresses = servers.map((s) => s.address);
    const mc = new Client({ servers: addresses, distribution });
    const router = await createRouter({ servers: addresses, distribution });
    const keys = Array.from({ length: 400 }, (_, i) => `${distribution}:item:${i}:ключ`);
    await Promise.all(keys.map((k, i) => mc.set(k, `v${i}`)));

    const got = await mc.getMany([...keys, 'absent:1', 'absent:2', keys[0]]);
    expect(got.size).toBe(keys.length);
    keys.forEach((k, i) => expect(got.get(k)).toBe(`v${i}`));

    // Ask every server directly: the key is on its owner and nowhere else.
    const owners = router.routeMany(keys);
    const perServer = new Array(servers.length).fill(0);
    for (let i = 0; i < keys.length; i += 40) {
      const replies = await Promise.all(servers.map((s) => rawCommand(s.host, s.port, `get ${keys[i]}\r\n`, /END\r\n$/)));
      replies.forEach((reply, s) => expect(reply.startsWith('VALUE ')).toBe(s === owners[i]));
    }
    owners.forEach((o) => perServer[o]++);
    // Every server holds some keys (the split itself depends on the random ports: consistent hashing hashes names).
    expect(perServer.every((n) => n > 0)).toBe(true);
    const counters = mc.servers().map((s) => s.counters);
    expect(counters.reduce((n, c) => n + c.hits, 0)).toBe(keys.length);
    expect(counters.reduce((n, c) => n + c.misses, 0)).toBe(2);
    await mc.close();
  });
});

describe('TLS', () => {
  it('talks to memcached -Z with certificate verification', async () => {
    const cert = await makeSelfSignedCertificate();
    const tlsServer = await MemcachedServer.start({ args: ['-Z', '-o', `ssl_chain_cert=${cert.certPath},ssl_key=${cert.keyPath}`] });
    try {
      const mc = new Client({ servers: [tlsServer.address], tls: { ca: cert.cert } });
      expect(await mc.set('tls-key', 'secret')).toBe(true);
      expect(await mc.get('tls-key')).toBe('secret');
      expect((await mc.getMany(['tls-key', 'nope'])).get('tls-key')).toBe('secret');
      await mc.close();
    } finally {
      await tlsServer.stop();
      cert.remove();
    }
  });
});
