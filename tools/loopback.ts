/**
 * Loopback TCP ports for the memcached processes the tests, the demo and the benches start:
 * everything binds 127.0.0.1, so nothing started here is reachable from another machine.
 */
import { connect, createServer } from 'node:net';

/** The one interface every process started here binds. */
export const HOST = '127.0.0.1';

/**
 * A free TCP port on {@link HOST}: the OS picks it, and a memcached started right after binds it.
 * (Another process could take it in between; on a test machine that has not been seen to happen.)
 * @returns the port number
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    // The probe must never keep a process alive that is otherwise done.
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/**
 * Whether something accepts TCP connections on `port` of {@link HOST} now.
 * @returns true once a connection opened (it is closed at once), false on any error
 */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}
