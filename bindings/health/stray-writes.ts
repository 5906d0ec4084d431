/**
 * Keys this client wrote to stand-in servers (redistribute or gutter) while their owner was down.
 *
 * With `failback.flush: 'cluster'`, the leader flushes every server when the owner returns, but the
 * other frontends keep writing its keys elsewhere until they fail back themselves (up to about a
 * retryInterval later). Each client therefore deletes its own stray copies before putting the owner
 * back online; past `limit` keys it flushes the stand-ins instead of remembering more.
 */
export class StrayWrites<Server> {
  private readonly byServer = new Map<Server, Set<string>>();
  private count = 0;
  private overflowed = false;

  constructor(private readonly limit: number) {}

  record(at: Server, key: string): void {
    if (this.overflowed) return;
    let keys = this.byServer.get(at);
    if (!keys) this.byServer.set(at, (keys = new Set()));
    if (keys.has(key)) return;
    if (++this.count > this.limit) {
      this.overflowed = true;
      this.byServer.clear();
      return;
    }
    keys.add(key);
  }

  get empty(): boolean {
    return !this.overflowed && this.count === 0;
  }

  /** Hands over what was recorded and starts afresh: the keys per server, or 'overflow'. */
  take(): Map<Server, Set<string>> | 'overflow' {
    const taken = this.overflowed ? 'overflow' : new Map(this.byServer);
    this.byServer.clear();
    this.count = 0;
    this.overflowed = false;
    return taken;
  }
}
