/**
 * Meta-protocol reply fixtures for the parser tests: each pairs a request (from meta-commands.ts
 * or meta-leases.ts) with the exact bytes memcached 1.6.18 sends back, built from the request's
 * own opaque token, and the `normalize`d result expected.
 */
import * as meta from '../../bindings/protocol/meta-commands.js';
import { invalidate, leaseGet, leaseSet } from '../../bindings/protocol/meta-leases.js';
import type { Request } from '../../bindings/protocol/request.js';
import { bytes, type Fixture } from './reply-fixtures.js';

/** A fixture whose reply is written from the request's opaque token `o`. */
export function metaFixture(name: string, request: Request<unknown>, reply: (o: number) => string, expected: unknown): Fixture {
  return { name, request, reply: reply(request.opaque), expected };
}

export const item = (key: string | Uint8Array, flags: number, value: string, cas?: bigint) => ({ key, flags, value, cas });
export const lease = (key: string | Uint8Array, flags: number, value: string, cas: bigint, ttl: number, win: boolean, stale: boolean, alreadyWon: boolean) => ({
  key, flags, value, cas, ttl, win, stale, alreadyWon,
});
export const serverError = (text: string) => ({ error: 'ServerError', code: 'ERR_SERVER', serverMessage: text });
export const clientError = (text: string) => ({ error: 'ClientError', code: 'ERR_CLIENT', serverMessage: text });
export const unknownCommand = { error: 'UnknownCommandError', code: 'ERR_UNKNOWN_COMMAND', serverMessage: undefined };

/** A value that looks like protocol: CRLF, MN, EN, NUL, 0xff, a VA prefix. */
const TRICKY = '\r\nMN\r\nEN\r\n\x00\xff\r\nVA 1\r\n';
/** A binary key no text key could be: space, CR, LF, NUL. */
export const BINARY_KEY = Uint8Array.of(0x20, 0x0d, 0x0a, 0x00);
const BINARY_KEY_B64 = 'IA0KAA==';

/** Builds the fixtures anew (each call takes fresh opaque tokens). */
export function metaFixtures(): Fixture[] {
  const binary = Uint8Array.from(BINARY_KEY);
  const abc = bytes('abc');
  const mixed = Uint8Array.of(1, 2, 3);
  return [
    metaFixture('get hit', meta.get('k'), (o) => `VA 3 f5 kk O${o}\r\nabc\r\n`, item('k', 5, 'abc')),
    metaFixture('get hit, flags in another order', meta.get('k'), (o) => `VA 3 O${o} kk f5\r\nabc\r\n`, item('k', 5, 'abc')),
    metaFixture('get miss', meta.get('k'), (o) => `EN kk O${o}\r\n`, null),
    metaFixture('get miss without the key', meta.get('k'), (o) => `EN O${o}\r\n`, null),
    metaFixture('get empty value', meta.get('e'), (o) => `VA 0 f0 ke O${o}\r\n\r\n`, item('e', 0, '')),
    metaFixture('get binary value with CRLF, MN and NUL inside', meta.get('bin'), (o) => `VA ${TRICKY.length} f4294967295 kbin O${o}\r\n${TRICKY}\r\n`, item('bin', 4294967295, TRICKY)),
    metaFixture('gets with a CAS unique above 2^53', meta.gets('c'), (o) => `VA 2 f1 c18446744073709551615 kc O${o}\r\nhi\r\n`, item('c', 1, 'hi', 18446744073709551615n)),
    metaFixture('gats hit', meta.gats(10, 'c'), (o) => `VA 1 f0 c7 kc O${o}\r\nx\r\n`, item('c', 0, 'x', 7n)),
    metaFixture('get of a binary key (no k asked for)', meta.get(binary), (o) => `VA 2 f0 O${o}\r\nhi\r\n`, item(binary, 0, 'hi')),
    metaFixture('get of a binary key echoed in base64', meta.get(binary), (o) => `VA 2 f0 k${BINARY_KEY_B64} b O${o}\r\nhi\r\n`, item(binary, 0, 'hi')),
    metaFixture('get of a binary key echoed raw (an item stored under a text key)', meta.get(abc), (o) => `VA 1 f0 kabc O${o}\r\nx\r\n`, item(abc, 0, 'x')),
    metaFixture('get of a text key echoed in base64 (an item stored under a binary key)', meta.get('foo'), (o) => `VA 1 f0 kZm9v b O${o}\r\nx\r\n`, item('foo', 0, 'x')),
    metaFixture('multi-get in order, with quiet misses', meta.getMulti(['a', 'b', 'c']), (o) => `VA 1 f1 ka O${o}\r\n1\r\nVA 3 f3 kc O${o + 2}\r\n333\r\nMN\r\n`, [item('a', 1, '1'), item('c', 3, '333')]),
    metaFixture('multi-get all miss', meta.getMulti(['x', 'y']), () => 'MN\r\n', []),
    metaFixture('multi-get of a key twice', meta.getsMulti(['a', 'a']), (o) => `VA 1 f0 c9 ka O${o}\r\nA\r\nVA 1 f0 c9 ka O${o + 1}\r\nA\r\nMN\r\n`, [item('a', 0, 'A', 9n), item('a', 0, 'A', 9n)]),
    metaFixture('multi-get with non-ASCII keys', meta.getMulti(['é', 'ключ']), (o) => `VA 2 f0 k\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 O${o + 1}\r\nok\r\nMN\r\n`, [item('ключ', 0, 'ok')]),
    metaFixture('multi-get of text and binary keys', meta.getMulti(['t', binary, mixed]), (o) => `VA 1 f0 O${o + 1}\r\nb\r\nVA 1 f2 O${o + 2}\r\nm\r\nMN\r\n`, [item(binary, 0, 'b'), item(mixed, 2, 'm')]),
    metaFixture('multi-get through a proxy that does not hide misses', meta.getMulti(['a', 'b']), (o) => `EN ka O${o}\r\nVA 1 f0 kb O${o + 1}\r\nB\r\nMN\r\n`, [item('b', 0, 'B')]),
    metaFixture('SERVER_ERROR amid a multi-get: the batch is still read to MN', meta.getMulti(['a', 'b', 'c']), (o) => `VA 1 f0 ka O${o}\r\nx\r\nSERVER_ERROR out of memory writing get response\r\nVA 1 f0 kc O${o + 2}\r\nz\r\nMN\r\n`, serverError('out of memory writing get response')),
    metaFixture('a server without meta commands answers each mg and the mn with ERROR', meta.getMulti(['a', 'b']), () => 'ERROR\r\nERROR\r\nERROR\r\n', unknownCommand),
    metaFixture('set stored', meta.store('set', 'k', bytes('v'), 0, 0), (o) => `HD O${o}\r\n`, 'STORED'),
    metaFixture('add not stored', meta.store('add', 'k', bytes('v'), 0, 0), (o) => `NS O${o}\r\n`, 'NOT_STORED'),
    metaFixture('cas exists', meta.cas('k', bytes('v'), 0, 0, 1n), (o) => `EX O${o}\r\n`, 'EXISTS'),
    metaFixture('cas not found', meta.cas('k', bytes('v'), 0, 0, 1n), (o) => `NF O${o}\r\n`, 'NOT_FOUND'),
    metaFixture('set too large', meta.store('set', 'k', bytes('v'), 0, 0), () => 'SERVER_ERROR object too large for cache\r\n', serverError('object too large for cache')),
    metaFixture('delete', meta.del('k'), (o) => `HD O${o}\r\n`, 'DELETED'),
    metaFixture('delete miss', meta.del('k'), (o) => `NF O${o}\r\n`, 'NOT_FOUND'),
    metaFixture('touch', meta.touch('k', 1), (o) => `HD O${o}\r\n`, 'TOUCHED'),
    metaFixture('touch miss', meta.touch('k', 1), (o) => `EN O${o}\r\n`, 'NOT_FOUND'),
    metaFixture('incr', meta.incr('k', 1), (o) => `VA 2 O${o}\r\n42\r\n`, 42),
    metaFixture('incr past 2^53', meta.incr('k', 1), (o) => `VA 16 O${o}\r\n9007199254740992\r\n`, 9007199254740992n),
    metaFixture('decr at 2^64 - 1', meta.decr('k', 1), (o) => `VA 20 O${o}\r\n18446744073709551615\r\n`, 18446744073709551615n),
    metaFixture('incr miss', meta.incr('k', 1), (o) => `NF O${o}\r\n`, null),
    metaFixture('incr non-numeric', meta.incr('k', 1), () => 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n', clientError('cannot increment or decrement non-numeric value')),
    metaFixture('quiet set stored: only the fence answers', meta.store('set', 'k', bytes('v'), 0, 0, true), () => 'MN\r\n', undefined),
    metaFixture('quiet add not stored: q does not hide NS', meta.store('add', 'k', bytes('v'), 0, 0, true), (o) => `NS O${o}\r\nMN\r\n`, undefined),
    metaFixture('quiet delete miss: q does not hide NF', meta.del('k', true), (o) => `NF O${o}\r\nMN\r\n`, undefined),
    metaFixture('quiet touch hit: q does not hide mg\'s HD', meta.touch('k', 5, true), (o) => `HD O${o}\r\nMN\r\n`, undefined),
    metaFixture('quiet incr with an error, returned once MN is in', meta.incr('k', 1, true), () => 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\nMN\r\n', clientError('cannot increment or decrement non-numeric value')),
    metaFixture('quiet set that memcached could not carry out: noreply reports no outcome', meta.store('set', 'k', bytes('v'), 0, 0, true), () => 'SERVER_ERROR out of memory storing object\r\nMN\r\n', undefined),
    metaFixture('quiet command on a server without meta commands', meta.del('k', true), () => 'ERROR\r\nERROR\r\n', unknownCommand),
    metaFixture('lease read that vivified a miss', leaseGet('k', { vivify: 30 }), (o) => `VA 0 f0 c3 t30 kk O${o} W\r\n\r\n`, lease('k', 0, '', 3n, 30, true, false, false)),
    metaFixture('lease read of a stale item another reader is refreshing', leaseGet('k'), (o) => `VA 3 f4 c5 t-1 kk O${o} Z X\r\nold\r\n`, lease('k', 4, 'old', 5n, -1, false, true, true)),
    metaFixture('lease read of a binary key', leaseGet(binary, { recache: 10 }), (o) => `VA 1 f0 c6 t9 O${o} W\r\nv\r\n`, lease(binary, 0, 'v', 6n, 9, true, false, false)),
    metaFixture('lease read miss', leaseGet('k'), (o) => `EN kk O${o}\r\n`, null),
    metaFixture('invalidate', invalidate('k', 30), (o) => `HD O${o}\r\n`, 'INVALIDATED'),
    metaFixture('invalidate miss', invalidate('k'), (o) => `NF O${o}\r\n`, 'NOT_FOUND'),
    metaFixture('lease set', leaseSet('k', bytes('v'), 0, 0, 5n), (o) => `HD O${o}\r\n`, 'STORED'),
    metaFixture('version (the text command, re-exported)', meta.version(), () => 'VERSION 1.6.18\r\n', '1.6.18'),
    metaFixture('ERROR with text', meta.touch('k', 1), () => 'ERROR unknown command\r\n', unknownCommand),
  ];
}
