// The ceiling: a bare pipelined node:net client, as little code as a Node memcached client can be.
// One socket per server, keys sharded by zlib.crc32 % servers, the requests of one event-loop turn
// written at once, replies matched in order. No validation, timeouts, health or error recovery:
// it shows what the socket and the event loop cost alone, not a usable client.
import net from 'node:net';
import { crc32 } from 'node:zlib';

const LF = 10;
const GET = 1, SET = 2, MGET = 3;

class BareConnection {
  constructor(host, port) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.waiting = []; // { kind, resolve, map }
    this.head = 0;
    this.out = '';
    this.scheduled = false;
    this.rest = null;
    this.flush = () => {
      this.scheduled = false;
      const text = this.out;
      this.out = '';
      this.socket.write(text, 'latin1');
    };
  }

  request(kind, text, keys) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ kind, resolve, reject, map: undefined, keys, cursor: 0 });
      this.out += text;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  onData(chunk) {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    let pos = 0;
    while (this.head < this.waiting.length) {
      const req = this.waiting[this.head];
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) break;
      if (req.kind === SET) {
        // STORED\r\n (anything else is an error for this bench)
        if (buf[pos] !== 83) return this.fail(buf, pos);
        pos = lf + 1;
        this.done(true);
        continue;
      }
      if (buf[pos] === 69) {
        // END\r\n
        pos = lf + 1;
        this.done(req.kind === GET ? undefined : (req.map ?? new Map()));
        continue;
      }
      if (buf[pos] !== 86) return this.fail(buf, pos);
      // VALUE <key> <flags> <bytes>\r\n<data>\r\n
      let sp = lf - 2;
      while (buf[sp] !== 32) sp--;
      let length = 0;
      for (let i = sp + 1; i < lf - 1; i++) length = length * 10 + buf[i] - 48;
      const start = lf + 1;
      if (buf.length < start + length + 2) break;
      const value = buf.latin1Slice(start, start + length);
      if (req.kind === GET) {
        // A one-key get: the value, then END on the next line.
        if (buf.length < start + length + 7) break;
        pos = start + length + 7;
        this.done(value);
      } else {
        // Hits come back in request order: find the key from the cursor, comparing bytes, no decoding.
        let ke = pos + 6;
        while (buf[ke] !== 32) ke++;
        const keys = req.keys;
        let c = req.cursor;
        for (;; c++) {
          if (c === keys.length) return this.fail(buf, pos);
          const k = keys[c];
          if (k.length !== ke - pos - 6) continue;
          let same = true;
          for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) !== buf[pos + 6 + i]) { same = false; break; }
          if (same) break;
        }
        req.cursor = c + 1;
        (req.map ??= new Map()).set(keys[c], value);
        pos = start + length + 2;
      }
    }
    this.rest = pos < buf.length ? buf.subarray(pos) : null;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  done(value) {
    const req = this.waiting[this.head];
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    }
    req.resolve(value);
  }

  fail(buf, pos) {
    const err = new Error(`bare client: unexpected reply ${JSON.stringify(buf.latin1Slice(pos, Math.min(pos + 40, buf.length)))}`);
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i].reject(err);
    this.waiting = [];
    this.head = 0;
    this.socket.destroy();
  }
}

/** A bare client for `servers` ('host:port' strings); `await client.ready` before use. */
export function createBareClient(servers) {
  const conns = servers.map((s) => {
    const [host, port] = s.split(':');
    return new BareConnection(host, Number(port));
  });
  const n = conns.length;
  const pick = n === 1 ? () => conns[0] : (key) => conns[crc32(key) % n];
  return {
    ready: Promise.all(conns.map((c) => c.ready)),
    get: (key) => pick(key).request(GET, `get ${key}\r\n`),
    /** `value` is a latin1/ASCII string. */
    set: (key, value, ttl = 0) => pick(key).request(SET, `set ${key} 0 ${ttl} ${value.length}\r\n${value}\r\n`),
    async getMany(keys) {
      if (n === 1) return conns[0].request(MGET, `get ${keys.join(' ')}\r\n`, keys);
      const groups = Array.from({ length: n }, () => []);
      for (const k of keys) groups[crc32(k) % n].push(k);
      const maps = await Promise.all(groups.map((g, i) => (g.length ? conns[i].request(MGET, `get ${g.join(' ')}\r\n`, g) : new Map())));
      const out = maps[0];
      for (let i = 1; i < n; i++) for (const [k, v] of maps[i]) out.set(k, v);
      return out;
    },
    close: () => Promise.all(conns.map((c) => new Promise((resolve) => { c.socket.once('close', resolve); c.socket.end(); }))),
  };
}
