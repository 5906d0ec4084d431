// How a JVM (OpenJDK 17) writes a server address, for spymemcached's ketama node names: the
// forms of `InetSocketAddress.toString()` and `InetAddress.getHostName()` that need no DNS.
// A literal IP address keeps no host name in Java, so its text is the address Java parsed, in
// Java's own notation (IPv6 in full: eight groups of lowercase hex, no "::").

/** A dotted quad as Java prints one: four decimal bytes without leading zeros. */
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The 16 bytes of an IPv6 literal (no zone), or undefined when `text` is not one. */
function parseIPv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (const [i, g] of groups.entries()) {
      if (i === groups.length - 1 && IPV4.test(g)) {
        const [a, b, c, d] = g.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

/**
 * The address text Java keeps for a literal IP `host` (`InetAddress.getHostAddress()`), or
 * undefined when `host` is not a literal Java would print back exactly (a host name, a zone, a
 * shorthand such as `127.1`). An IPv4-mapped IPv6 literal is an IPv4 address to Java.
 */
export function javaHostAddress(host: string): { text: string; v6: boolean } | undefined {
  if (IPV4.test(host)) return { text: host, v6: false };
  const bytes = host.includes(':') ? parseIPv6(host) : undefined;
  if (bytes === undefined) return undefined;
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return { text: bytes.slice(12).join('.'), v6: false };
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return { text: groups.join(':'), v6: true };
}

/**
 * Whether Java reads `host` as a literal address (no name to keep): digits and dots (Java also takes
 * shorthands such as `127.1`), or IPv6.
 */
export function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
