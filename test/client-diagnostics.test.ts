// diagnostics_channel: a TracingChannel per request to a server, health channels, and nothing
// built when nobody subscribes.
import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, Client, type CommandMessage, type HealthMessage } from '../bindings/entry/node.js';
import { sendTraced } from '../bindings/client/diagnostics.js';
import * as cmd from '../bindings/protocol/commands.js';
import { MemcachedServer, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';

let servers: MemcachedServer[] = [];
let mc: Client | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0)) undo();
  await mc?.close();
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  mc = undefined;
});

/** Records every phase of the command channel. */
function recordCommands() {
  const seen: { phase: string; message: CommandMessage }[] = [];
  const record = (phase: string) => (message: unknown) => void seen.push({ phase, message: message as CommandMessage });
  const handlers = { start: record('start'), end: record('end'), asyncStart: record('asyncStart'), asyncEnd: record('asyncEnd'), error: record('error') };
  const channel = diagnostics.tracingChannel(CHANNELS.command);
  channel.subscribe(handlers);
  cleanups.push(() => channel.unsubscribe(handlers));
  return seen;
}

describe('diagnostics_channel', () => {
  it('traces every request with the command, key count, server and outcome', async () => {
    servers = await startCluster(2);
    mc = new Client({ servers: servers.map((s) => s.address) });
    const seen = recordCommands();
    await mc.set('trace:a', 'x');
    expect(await mc.get('trace:a')).toBe('x');
    const keys = Array.from({ length: 20 }, (_, i) => `trace:${i}`);
    await mc.getMany(keys);
    const ends = seen.filter((s) => s.phase === 'asyncEnd').map((s) => s.message);
    expect(ends[0]).toMatchObject({ command: 'set', keys: 1, key: 'trace:a', result: 'STORED' });
    expect(ends[1]).toMatchObject({ command: 'get', keys: 1, key: 'trace:a' });
    const batches = ends.slice(2);
    expect(batches.map((b) => b.command)).toEqual(['get', 'get']);
    expect(batches.reduce((n, b) => n + b.keys, 0)).toBe(20);
    expect(new Set(batches.map((b) => b.server))).toEqual(new Set(servers.map((s) => s.address)));
    for (const b of batches) {
      expect(b.key).toBeUndefined();
      expect(`${b.host}:${b.port}`).toBe(b.server);
    }
    // start and asyncEnd pair up, one of each per request.
    expect(seen.filter((s) => s.phase === 'start')).toHaveLength(ends.length);
  });

  it('publishes the error of a failed request, and the health transitions', async () => {
    servers = await startCluster(1);
    mc = new Client({ servers: [servers[0].address], retryInterval: 100, timeout: 200, failureLimit: 1 });
    const seen = recordCommands();
    const health: [string, HealthMessage][] = [];
    for (const name of ['down', 'recovering', 'failback', 'up'] as const) {
      const listener = (message: unknown) => health.push([name, message as HealthMessage]);
      diagnostics.subscribe(CHANNELS[name], listener);
      cleanups.push(() => diagnostics.unsubscribe(CHANNELS[name], listener));
    }
    await mc.set('h', 'v');
    // A hung server: the request is sent and times out (a killed one is noticed before any request).
    await servers[0].pause();
    await expect(mc.get('h')).rejects.toMatchObject({ code: 'ERR_COMMAND_TIMEOUT' });
    const errors = seen.filter((s) => s.phase === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatchObject({ command: 'get', server: servers[0].address });
    expect((errors[0].message.error as { code?: string }).code).toMatch(/^ERR_/);
    servers[0].resume();
    await waitFor('up', () => health.some(([n]) => n === 'up'));
    expect(health.map(([n]) => n)).toEqual(['down', 'recovering', 'failback', 'up']);
    expect(health[0][1].error).toBeInstanceOf(Error);
    expect(health[2][1].outcome).toMatchObject({ role: expect.stringMatching(/leader|follower|alone/) });
    expect(health.every(([, m]) => m.server.name === servers[0].address)).toBe(true);
  });

  it('with no subscriber, a command runs untouched (the promise it returns is the send itself)', () => {
    const sent = Promise.resolve('reply');
    const address = { name: '127.0.0.1:1', host: '127.0.0.1', port: 1 };
    const connection = { send: () => sent };
    expect(sendTraced(connection as never, cmd.get('k'), undefined, 'k', address)).toBe(sent);
  });
});
