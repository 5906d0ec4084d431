// Lifecycle: connect() as a readiness check, servers() before contact, serverFor(key),
// `await using`, and an idle client that lets its process exit while a busy one keeps it alive.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, InvalidKeyError } from '../bindings/entry/node.js';
import { freePort, MemcachedServer, startCluster } from './support/memcached.js';

let servers: MemcachedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

const ENTRY = fileURLToPath(new URL('../dist/entry/node.js', import.meta.url));

/** Runs an ESM script in a fresh Node; resolves with its exit code and output once it exits by itself. */
function script(source: string, limitMs = 30_000): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the script did not exit within ${limitMs} ms: ${out}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, out, ms: Date.now() - started });
    });
  });
}

describe('readiness and lifecycle', () => {
  it('connect() reports which servers answered; servers() says unknown until then', async () => {
    servers = await startCluster(2);
    const dead = `127.0.0.1:${await freePort()}`;
    await using mc = new Client({ servers: [...servers.map((s) => s.address), dead] });
    await mc.engine();
    expect(mc.servers().map((s) => s.status)).toEqual(['unknown', 'unknown', 'unknown']);
    const report = await mc.connect();
    expect(report.map((r) => [r.server, r.up])).toEqual([[servers[0].address, true], [servers[1].address, true], [dead, false]]);
    expect(report[0].version).toMatch(/^\d+\.\d+/);
    expect(report[2].error).toMatchObject({ code: 'ERR_CONNECT_FAILED' });
    expect(mc.servers().map((s) => s.status)).toEqual(['up', 'up', 'down']);
  });

  it('serverFor(key) says the owner and where a command goes now', async () => {
    servers = await startCluster(3);
    await using mc = new Client({ servers: servers.map((s) => s.address) });
    const placements = await Promise.all(Array.from({ length: 30 }, (_, i) => mc.serverFor(`user:${i}`)));
    expect(new Set(placements.map((p) => p.owner)).size).toBeGreaterThan(1);
    for (const p of placements) expect(p.server).toBe(p.owner);
    // The owner really holds what is written there.
    await mc.set('user:7', 'seven');
    const owner = servers.find((s) => s.address === placements[7].owner)!;
    const alone = new Client({ servers: [owner.address] });
    expect(await alone.get('user:7')).toBe('seven');
    await alone.close();
    // Down under offline: no server now.
    await owner.stop();
    await mc.get('user:7').catch(() => undefined);
    expect(await mc.serverFor('user:7')).toEqual({ owner: owner.address, server: undefined });
    await expect(mc.serverFor('bad key')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('`await using` closes the client at the end of its scope', async () => {
    servers = await startCluster(1);
    let kept: Client | undefined;
    {
      await using mc = new Client({ servers: [servers[0].address] });
      await mc.set('k', 'v');
      kept = mc;
    }
    await expect(kept.get('k')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('an idle client does not keep the process alive; a request waiting for its answer does', async () => {
    servers = await startCluster(1);
    const idle = await script(`
      import { Client } from ${JSON.stringify(ENTRY)};
      const mc = new Client({ servers: [${JSON.stringify(servers[0].address)}], retryInterval: 60000 });
      await mc.set('k', 'v');
      console.log('got', await mc.get('k'));
      // no close(): the process must still exit once nothing is pending
    `);
    expect(idle.out).toContain('got v');
    expect(idle.code).toBe(0);
    // An awaited close() keeps the process until it completes: the code after it runs.
    const closing = await script(`
      import { Client } from ${JSON.stringify(ENTRY)};
      const mc = new Client({ servers: [${JSON.stringify(servers[0].address)}] });
      await mc.set('k', 'v');
      await mc.close();
      console.log('closed');
    `);
    expect([closing.out.trim(), closing.code]).toEqual(['closed', 0]);
    // A hung server: the answer never comes, so the command timer (unref'd) is all that is left
    // besides the socket; the process must stay until the timeout rejects, then exit.
    await servers[0].pause();
    try {
      const busy = await script(`
        import { Client } from ${JSON.stringify(ENTRY)};
        const mc = new Client({ servers: [${JSON.stringify(servers[0].address)}], timeout: 1500 });
        try { await mc.get('k'); console.log('answered'); } catch (err) { console.log('rejected', err.code); }
      `);
      expect(busy.out).toContain('rejected ERR_COMMAND_TIMEOUT');
      expect(busy.code).toBe(0);
    } finally {
      servers[0].resume();
    }
  });
});
