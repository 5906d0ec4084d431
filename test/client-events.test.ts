// The client's events: node:events semantics (events.once / events.on work on a client), typed
// names, `on` returning the client, and errors nobody listens to reported rather than lost.
import { on, once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallbackError, Client, type ServerInfo } from '../bindings/entry/node.js';
import { MemcachedServer } from './support/memcached.js';

let server: MemcachedServer | undefined;
let mc: Client | undefined;
afterEach(async () => {
  await mc?.close();
  await server?.stop();
  mc = server = undefined;
});

async function cluster(): Promise<[MemcachedServer, Client]> {
  server = await MemcachedServer.start();
  mc = new Client({ servers: [server.address], retryInterval: 100 });
  return [server, mc];
}

describe('client events', () => {
  it('events.once(mc, "down") and events.once(mc, "up") resolve with the listener arguments', async () => {
    const [srv, client] = await cluster();
    expect(await client.set('k', 'v')).toBe(true);
    const down = once(client, 'down');
    await srv.stop();
    await client.get('k').catch(() => undefined);
    const [info, error] = (await down) as [ServerInfo, Error];
    expect(info.name).toBe(srv.address);
    expect(error).toBeInstanceOf(Error);
    const up = once(client, 'up');
    await srv.restart();
    const [back] = (await up) as [ServerInfo];
    expect(back.status).toBe('up');
    // once() removed its listeners (its own 'error' listener too).
    expect(client.listenerCount('up')).toBe(0);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('events.on(mc, "down") iterates events and cleans up on break', async () => {
    const [srv, client] = await cluster();
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const [info] of on(client, 'down') as AsyncIterable<[ServerInfo]>) {
        seen.push(info.name);
        break;
      }
    })();
    await srv.stop();
    await client.get('k').catch(() => undefined);
    await iterating;
    expect(seen).toEqual([srv.address]);
    expect(client.listenerCount('down')).toBe(0);
  });

  it('on/once/off return the client, and once fires once', async () => {
    const [, client] = await cluster();
    const calls: string[] = [];
    const listener = (info: ServerInfo) => calls.push(info.name);
    expect(client.on('up', listener).once('down', () => calls.push('down')).off('up', listener)).toBe(client);
    expect(client.listenerCount('up')).toBe(0);
    expect(client.listenerCount('down')).toBe(1);
    // @ts-expect-error: a misspelt event name does not compile
    client.on('dwon', () => {});
    // @ts-expect-error: nor does a listener of the wrong shape
    client.on('up', (n: number) => n);
    client.removeAllListeners('dwon' as 'down');
  });

  it('a throwing listener becomes an error event with code ERR_CALLBACK', async () => {
    const [srv, client] = await cluster();
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    client.on('down', () => {
      throw new RangeError('listener bug');
    });
    await srv.stop();
    await client.get('k').catch(() => undefined);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CallbackError);
    expect(errors[0]).toMatchObject({ code: 'ERR_CALLBACK', source: '"down" listener' });
    expect(errors[0].message).toContain('listener bug');
    expect((errors[0].cause as Error).message).toBe('listener bug');
  });

  it('an error with no listener is reported once as a process warning, not thrown', async () => {
    const [srv, client] = await cluster();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      client.on('down', () => {
        throw new Error('first');
      });
      await srv.stop();
      await client.get('a').catch(() => undefined);
      await srv.restart();
      client.emit('error', new Error('second'));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/"down" listener threw: first .*no 'error' listener/);
      expect(warn.mock.calls[0][1]).toMatchObject({ type: 'FailbackWarning', code: 'ERR_CALLBACK' });
    } finally {
      warn.mockRestore();
    }
  });
});
