/**
 * The Node transport against real memcached processes (plain and `-Z` TLS) and real local
 * sockets: no mocks. Each test drives the Transport API the way the connection layer does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { connectNode } from '../bindings/transport/node.js';
import type { ConnectOptions, Transport, TransportHandlers } from '../bindings/transport/transport.js';
import { ConnectError, ConnectTimeoutError } from '../bindings/errors.js';
import { MemcachedServer } from './support/memcached.js';
import { makeSelfSignedCertificate, type TestCertificate } from './support/tls.js';

/** Handlers that record every call, plus a way to wait for a condition on what was recorded. */
function recorder() {
  const calls = { chunks: [] as Uint8Array[], closes: [] as (Error | undefined)[], drains: 0 };
  const handlers: TransportHandlers = {
    onData: (chunk) => { calls.chunks.push(chunk); },
    onClose: (error) => { calls.closes.push(error); },
    onDrain: () => { calls.drains++; },
  };
  const text = (): string => Buffer.concat(calls.chunks).toString('latin1');
  return { calls, handlers, text };
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `version` and waits for memcached's answer. */
async function version(transport: Transport, rec: ReturnType<typeof recorder>): Promise<string> {
  const before = rec.text().length;
  expect(transport.write(Buffer.from('version\r\n'))).toBe(true);
  await until(() => /VERSION [^\r]+\r\n$/.test(rec.text().slice(before)), 'VERSION');
  return rec.text().slice(before);
}

/** Ends the transport and waits for its single, clean `onClose`. */
async function closeCleanly(transport: Transport, rec: ReturnType<typeof recorder>): Promise<void> {
  transport.end();
  await until(() => rec.calls.closes.length > 0, 'onClose');
  expect(rec.calls.closes).toEqual([undefined]);
}

/** A local TCP server that accepts and never sends a byte; tracks the sockets it accepted. */
async function silentServer(): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((s) => { s.on('error', () => {}); s.resume(); accepted.push(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { server, port: address.port, accepted };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the connect to fail');
}

describe('connectNode over TCP', () => {
  let mc: MemcachedServer;
  const at = (extra: Partial<ConnectOptions> = {}): ConnectOptions => ({ host: mc.host, port: mc.port, connectTimeout: 2000, ...extra });

  beforeAll(async () => { mc = await MemcachedServer.start(); });
  afterAll(async () => { await mc.stop(); });

  it('exchanges version with memcached, hands over Uint8Array chunks, and closes cleanly on end()', async () => {
    const rec = recorder();
    const transport = await connectNode(at(), rec.handlers);
    expect(await version(transport, rec)).toMatch(/^VERSION 1\.\d+\.\d+\r\n$/);
    expect(rec.calls.chunks.every((c) => c instanceof Uint8Array)).toBe(true);
    await closeCleanly(transport, rec);
    await sleep(50);
    expect(rec.calls.closes).toHaveLength(1);
    expect(rec.calls.drains).toBe(0);
  });

  it('write() returns false once a stalled server stops reading, then onDrain fires and every byte arrives', async () => {
    const rec = recorder();
    const transport = await connectNode(at(), rec.handlers);
    const size = 512 * 1024;
    const request = Buffer.concat([Buffer.from(`set big 0 0 ${size}\r\n`), Buffer.alloc(size, 'v'), Buffer.from('\r\n')]);
    mc.pause();
    let sent = 0;
    try {
      // Loopback takes a few MB before the kernel pushes back; 64 MB is far beyond that.
      let accepted = true;
      while (accepted && sent < 128) {
        accepted = transport.write(request);
        sent++;
      }
      expect(accepted).toBe(false);
      await sleep(50);
      expect(rec.calls.drains).toBe(0);
    } finally {
      mc.resume();
    }
    await until(() => rec.calls.drains === 1, 'onDrain');
    expect(transport.write(Buffer.from('get big\r\n'))).toBe(true);
    const expected = 'STORED\r\n'.repeat(sent) + `VALUE big 0 ${size}\r\n${'v'.repeat(size)}\r\nEND\r\n`;
    await until(() => rec.text().length >= expected.length, 'all replies');
    expect(rec.text()).toBe(expected);
    await closeCleanly(transport, rec);
  });

  it('destroy() closes at once with a single onClose and no error', async () => {
    const rec = recorder();
    const transport = await connectNode(at(), rec.handlers);
    transport.destroy();
    await until(() => rec.calls.closes.length > 0, 'onClose');
    transport.destroy();
    transport.end();
    await sleep(50);
    expect(rec.calls.closes).toEqual([undefined]);
    expect(rec.calls.chunks).toHaveLength(0);
  });

  it('a refused port rejects quickly with ConnectError and calls no handler', async () => {
    const gone = await MemcachedServer.start();
    const port = gone.port;
    await gone.stop();
    const rec = recorder();
    const started = Date.now();
    const err = await rejection(connectNode({ host: '127.0.0.1', port, connectTimeout: 5000 }, rec.handlers));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe('ERR_CONNECT_FAILED');
    expect((err as ConnectError).server).toBe(`127.0.0.1:${port}`);
    expect(((err as ConnectError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await sleep(50);
    expect(rec.calls).toEqual({ chunks: [], closes: [], drains: 0 });
  });

  it('a server killed with SIGKILL yields exactly one onClose, with an error, and nothing after', async () => {
    const victim = await MemcachedServer.start();
    const rec = recorder();
    const transport = await connectNode({ host: victim.host, port: victim.port, connectTimeout: 2000 }, rec.handlers);
    await version(transport, rec);
    const chunksBefore = rec.calls.chunks.length;
    await victim.stop('SIGKILL');
    await until(() => rec.calls.closes.length > 0, 'onClose');
    expect(rec.calls.closes).toHaveLength(1);
    expect(rec.calls.closes[0]).toBeInstanceOf(Error);
    // Using the dead transport must neither throw nor call a handler again.
    transport.write(Buffer.from('version\r\n'));
    transport.end();
    transport.destroy();
    await sleep(100);
    expect(rec.calls.closes).toHaveLength(1);
    expect(rec.calls.chunks).toHaveLength(chunksBefore);
    expect(rec.calls.drains).toBe(0);
  });
});

describe('connectNode connect timeout', () => {
  it('a TLS handshake that never completes rejects with ConnectTimeoutError and leaves no socket', async () => {
    const { server, port, accepted } = await silentServer();
    try {
      const rec = recorder();
      const started = Date.now();
      const err = await rejection(connectNode({ host: '127.0.0.1', port, connectTimeout: 200, tls: true }, rec.handlers));
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ConnectTimeoutError);
      expect((err as ConnectTimeoutError).code).toBe('ERR_CONNECT_TIMEOUT');
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(1500);
      // The TCP part succeeded, so the server holds the other end: it must see it close.
      expect(accepted).toHaveLength(1);
      await until(() => accepted[0].destroyed || accepted[0].readableEnded, 'server side to see the close');
      await sleep(50);
      expect(rec.calls).toEqual({ chunks: [], closes: [], drains: 0 });
    } finally {
      for (const s of accepted) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('a stopped (SIGSTOP) TLS memcached times out the handshake', async () => {
    const cert = await makeSelfSignedCertificate();
    const mc = await MemcachedServer.start({ args: ['-Z', '-o', `ssl_chain_cert=${cert.certPath},ssl_key=${cert.keyPath}`] });
    try {
      mc.pause();
      const rec = recorder();
      const err = await rejection(connectNode({ host: mc.host, port: mc.port, connectTimeout: 200, tls: { rejectUnauthorized: false } }, rec.handlers));
      expect(err).toBeInstanceOf(ConnectTimeoutError);
      mc.resume();
      await sleep(50);
      expect(rec.calls).toEqual({ chunks: [], closes: [], drains: 0 });
    } finally {
      await mc.stop();
      await cert.remove();
    }
  });
});

describe('connectNode over TLS (memcached -Z)', () => {
  let cert: TestCertificate;
  let mc: MemcachedServer;
  const at = (tls: ConnectOptions['tls'], host = '127.0.0.1'): ConnectOptions => ({ host, port: mc.port, connectTimeout: 2000, tls });

  beforeAll(async () => {
    cert = await makeSelfSignedCertificate();
    mc = await MemcachedServer.start({ args: ['-Z', '-o', `ssl_chain_cert=${cert.certPath},ssl_key=${cert.keyPath}`] });
  });
  afterAll(async () => {
    await mc?.stop();
    await cert?.remove();
  });

  it('drops plain text, and exchanges version with rejectUnauthorized: false', async () => {
    const plain = recorder();
    const raw = await connectNode(at(undefined), plain.handlers);
    raw.write(Buffer.from('version\r\n'));
    await until(() => plain.calls.closes.length > 0, 'memcached to drop the plain-text client');
    expect(plain.text()).not.toMatch(/VERSION/);
    expect(plain.calls.closes).toHaveLength(1);

    const rec = recorder();
    const transport = await connectNode(at({ rejectUnauthorized: false }), rec.handlers);
    expect(await version(transport, rec)).toMatch(/^VERSION 1\.\d+\.\d+\r\n$/);
    await closeCleanly(transport, rec);
  });

  it('verifies the self-signed cert given as ca (SAN IP:127.0.0.1)', async () => {
    const rec = recorder();
    const transport = await connectNode(at({ ca: cert.cert }), rec.handlers);
    expect(await version(transport, rec)).toMatch(/^VERSION 1\./);
    await closeCleanly(transport, rec);
  });

  it('verifies against a DNS name: servername from options (SAN DNS:localhost) and from a host name', async () => {
    const byOption = recorder();
    const t1 = await connectNode(at({ ca: cert.cert, servername: 'localhost' }), byOption.handlers);
    expect(await version(t1, byOption)).toMatch(/^VERSION 1\./);
    await closeCleanly(t1, byOption);

    const byHost = recorder();
    const t2 = await connectNode(at({ ca: cert.cert }, 'localhost'), byHost.handlers);
    expect(await version(t2, byHost)).toMatch(/^VERSION 1\./);
    await closeCleanly(t2, byHost);
  });

  it('rejects with ConnectError when verification fails (no ca, or a name not in the cert)', async () => {
    const rec = recorder();
    const untrusted = await rejection(connectNode(at(true), rec.handlers));
    expect(untrusted).toBeInstanceOf(ConnectError);
    expect((untrusted.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED/);

    const mismatch = await rejection(connectNode(at({ ca: cert.cert, servername: 'wrong.example' }), rec.handlers));
    expect(mismatch).toBeInstanceOf(ConnectError);
    expect((mismatch.cause as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await sleep(50);
    expect(rec.calls).toEqual({ chunks: [], closes: [], drains: 0 });
  });

  it('sends SNI for a host name and never for an IP; caller options are merged in', async () => {
    const seen: (string | false)[] = [];
    const server = createTlsServer({ cert: cert.cert, key: cert.key }, (s) => {
      seen.push((s as unknown as { servername: string | false }).servername);
      s.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      for (const [host, tls] of [['127.0.0.1', { ca: cert.cert }], ['localhost', { ca: cert.cert }], ['127.0.0.1', { ca: cert.cert, servername: 'localhost' }]] as const) {
        const rec = recorder();
        const transport = await connectNode({ host, port, connectTimeout: 2000, tls }, rec.handlers);
        await until(() => rec.calls.closes.length > 0, 'server to hang up');
        transport.destroy();
      }
      expect(seen).toEqual([false, 'localhost', 'localhost']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
