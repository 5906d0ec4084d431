/**
 * One-key text gets pipelined on one connection leave in one `get k1 k2 …` line (memcached answers
 * each text `get` in a write of its own) and each caller gets its own answer: the line's bytes,
 * the split of its answer (properties), real memcached behind a recording transport, and a fake
 * server for the error line a real one sends only when out of memory.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../bindings/connection/connection.js';
import { ServerError } from '../bindings/errors.js';
import * as cmd from '../bindings/protocol/commands.js';
import { isJoinable, joinGets, MAX_JOINED_GETS, splitJoined } from '../bindings/protocol/joined-gets.js';
import * as meta from '../bindings/protocol/meta-commands.js';
import { ReplyParser } from '../bindings/protocol/parser.js';
import type { Item } from '../bindings/protocol/replies.js';
import { connectNode } from '../bindings/transport/node.js';
import type { Connector } from '../bindings/transport/transport.js';
import { FakeServer } from './support/fake-server.js';
import { MemcachedServer } from './support/memcached.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('the joined line', () => {
  it('is one <verb> line of the keys as encoded, in order, duplicates kept', () => {
    const joined = joinGets([cmd.get('a'), cmd.get('ключ'), cmd.get('a')]);
    expect(Buffer.from(joined.bytes).toString('utf8')).toBe('get a ключ a\r\n');
    expect(joined.keys).toEqual(['a', 'ключ', 'a']);
    expect(latin1(joinGets([cmd.gets('x'), cmd.gets('y')]).bytes)).toBe('gets x y\r\n');
  });

  it('joins only one-key text get and gets', () => {
    expect(isJoinable(cmd.get('k'))).toBe(true);
    expect(isJoinable(cmd.gets('k'))).toBe(true);
    expect(isJoinable(cmd.gat(10, 'k'))).toBe(false); // memcached refuses gat lines over 2 KiB
    expect(isJoinable(cmd.getMulti(['k', 'l']))).toBe(false);
    expect(isJoinable(cmd.store('set', 'k', text('v'), 0, 0))).toBe(false);
    expect(isJoinable(meta.get('k'))).toBe(false); // meta answers are batched by memcached already
  });

  it('split: every request gets the hit for its own key or null, whatever the hits and duplicates', () => {
    const keyArb = fc.constantFrom('a', 'b', 'c', 'ключ', 'a:1', '💾');
    fc.assert(
      fc.property(fc.array(keyArb, { minLength: 2, maxLength: 40 }), fc.uniqueArray(keyArb), (keys, stored) => {
        const joined = joinGets(keys.map((k) => cmd.get(k)));
        // memcached's answer: a VALUE per requested key that exists, in request order, then END.
        const values = new Map(stored.map((k, i) => [k, `${k}=${i}`]));
        const reply = keys.filter((k) => values.has(k)).map((k) => `VALUE ${k} 7 ${text(values.get(k)!).length}\r\n${values.get(k)}\r\n`).join('') + 'END\r\n';
        const parser = new ReplyParser();
        parser.feed(text(reply));
        const items = parser.next(joined) as Item[];
        const answers = splitJoined(joined.keys!, items);
        expect(answers).toHaveLength(keys.length);
        keys.forEach((k, i) => {
          if (values.has(k)) {
            expect(answers[i]!.key).toBe(k);
            expect(str(answers[i]!.value)).toBe(values.get(k));
            expect(answers[i]!.flags).toBe(7);
          } else {
            expect(answers[i]).toBeNull();
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('over a real memcached', () => {
  let server: MemcachedServer;
  /** What the client wrote, per write. */
  const writes: string[] = [];
  const recording: Connector = async (options, handlers) => {
    const transport = await connectNode(options, handlers);
    return {
      write: (data) => (writes.push(latin1(data)), transport.write(data)),
      end: () => transport.end(),
      destroy: () => transport.destroy(),
      hold: (keep) => transport.hold?.(keep),
    };
  };
  const open = (): Connection =>
    new Connection({ host: server.host, port: server.port, connector: recording, connectTimeout: 2000, timeout: 2000, maxQueue: Infinity });

  beforeAll(async () => {
    server = await MemcachedServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('gets issued together leave in one line and each caller gets its own value; a write between them splits the line', async () => {
    const conn = open();
    const keys = Array.from({ length: 150 }, (_, i) => (i % 7 === 3 ? `joined:missing:${i}` : `joined:${i % 40}:ключ`));
    for (const k of new Set(keys)) if (!k.includes('missing')) await conn.send(cmd.store('set', k, text(`value of ${k}`), 0, 0));
    writes.length = 0;
    const sets: Promise<unknown>[] = [];
    const gets = keys.map((k, i) => {
      if (i === 120) sets.push(conn.send(cmd.store('set', 'joined:between', text('x'), 0, 0)));
      return conn.send(cmd.get(k));
    });
    const items = await Promise.all(gets);
    expect(await Promise.all(sets)).toEqual(['STORED']);
    items.forEach((item, i) => {
      if (keys[i].includes('missing')) expect(item).toBeNull();
      else expect([item!.key, str(item!.value)]).toEqual([keys[i], `value of ${keys[i]}`]);
    });
    // One write: 100 gets on the first line (the most one line carries), 20 on the next, the set, 30.
    expect(writes).toHaveLength(1);
    const lines = writes[0].split('\r\n').filter((l) => l.startsWith('get '));
    expect(lines.map((l) => l.split(' ').length - 1)).toEqual([MAX_JOINED_GETS, 20, 30]);
    expect(Buffer.from(lines[0], 'latin1').toString('utf8')).toBe(`get ${keys.slice(0, 100).join(' ')}`);
    await conn.close();
  });

  it('gets with different timeouts, or gets and gats, keep lines of their own', async () => {
    const conn = open();
    await conn.send(cmd.store('set', 'joined:t', text('t'), 0, 0));
    writes.length = 0;
    const results = await Promise.all([conn.send(cmd.get('joined:t')), conn.send(cmd.get('joined:t'), 500), conn.send(cmd.gat(0, 'joined:t')), conn.send(cmd.get('joined:t'))]);
    expect(results.map((r) => str(r!.value))).toEqual(['t', 't', 't', 't']);
    expect(writes.join('').split('\r\n').filter(Boolean)).toEqual(['get joined:t', 'get joined:t', 'gat 0 joined:t', 'get joined:t']);
    await conn.close();
  });
});

describe('an error line for a joined line', () => {
  let fake: FakeServer;
  afterAll(async () => {
    await fake?.stop();
  });

  it('rejects every caller on the line with the server error; the connection stays in step', async () => {
    fake = await FakeServer.start(async (peer) => {
      expect(await peer.readLine()).toBe('get a b c');
      // memcached, out of memory part way through a multi-key get, ends it with SERVER_ERROR.
      peer.write('VALUE a 0 1\r\nA\r\nSERVER_ERROR out of memory writing get response\r\n');
      expect(await peer.readLine()).toBe('get d');
      peer.write('VALUE d 0 1\r\nD\r\nEND\r\n');
    });
    const conn = new Connection({ host: fake.host, port: fake.port, connector: connectNode, connectTimeout: 1000, timeout: 1000, maxQueue: Infinity });
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((k) => conn.send(cmd.get(k))));
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(ServerError);
    }
    expect(str((await conn.send(cmd.get('d')))!.value)).toBe('D');
    expect(conn.pending).toBe(0);
    await conn.close();
  });
});
