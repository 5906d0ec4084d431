/**
 * A tiny scriptable TCP server on 127.0.0.1 for what a real memcached cannot be made to do: send
 * garbage, stall in the middle of a value, close in the middle of a reply, dribble one byte per
 * packet. Each accepted socket is handed to the test's script as a {@link FakePeer}.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** One accepted client connection, seen from the server side. */
export class FakePeer {
  readonly socket: Socket;
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => {}); // the client may reset; the test asserts on the client side
  }

  /** Resolves with the next command line sent by the client (without `\r\n`). */
  async readLine(): Promise<string> {
    for (;;) {
      const lf = this.buffered.indexOf(10);
      if (lf >= 0) {
        const line = this.buffered.subarray(0, lf).toString('latin1').replace(/\r$/, '');
        this.buffered = this.buffered.subarray(lf + 1);
        return line;
      }
      await this.more();
    }
  }

  /** Resolves with the next `n` bytes sent by the client (e.g. a data block). */
  async readBytes(n: number): Promise<Buffer> {
    while (this.buffered.length < n) await this.more();
    const bytes = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return bytes;
  }

  /** Writes bytes (a string is sent as latin1, so `\xNN` escapes are single bytes). */
  write(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes `data` one byte per packet, pausing `gapMs` between bytes so the client reads them apart. */
  async dribble(data: string | Uint8Array, gapMs = 3): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    for (const byte of bytes) {
      if (this.socket.destroyed) return;
      this.socket.write(Buffer.of(byte));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }

  /** Closes after pending writes (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Resets at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private more(): Promise<void> {
    if (this.ended) return Promise.reject(new Error('the client closed the connection'));
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/** A script run for each accepted connection; the second argument counts connections from 0. */
export type FakeScript = (peer: FakePeer, index: number) => void | Promise<void>;

/** A listening fake server. */
export class FakeServer {
  readonly host = '127.0.0.1';
  readonly port: number;
  /** Every connection accepted so far. */
  readonly peers: FakePeer[] = [];
  private readonly server: Server;

  private constructor(server: Server, port: number) {
    this.server = server;
    this.port = port;
  }

  /** Listens on a free port and runs `script` for every connection. Script failures are ignored. */
  static async start(script: FakeScript): Promise<FakeServer> {
    let fake: FakeServer | undefined;
    const server = createServer((socket: Socket) => {
      const peer = new FakePeer(socket);
      const index = fake!.peers.push(peer) - 1;
      Promise.resolve()
        .then(() => script(peer, index))
        .catch(() => peer.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the fake server has no port');
    fake = new FakeServer(server, address.port);
    return fake;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Stops listening and resets every open connection. */
  async stop(): Promise<void> {
    for (const peer of this.peers) peer.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
