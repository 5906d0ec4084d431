/**
 * A first-in first-out queue with O(1) push and shift: a plain array plus a head index, compacted
 * once the consumed prefix dominates. (`Array.prototype.shift` is O(n) on long arrays, and a
 * connection may hold thousands of requests in flight.)
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, or `undefined` when empty. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // let the settled request be collected
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns the newest `count` items, oldest first. */
  takeLast(count: number): T[] {
    const from = Math.max(this.head, this.items.length - count);
    const taken = this.items.slice(from) as T[];
    this.items.length = from;
    if (this.head === from) {
      this.items.length = 0;
      this.head = 0;
    }
    return taken;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }

  /** Calls `fn` on each item, oldest first, without removing them. */
  forEach(fn: (item: T) => void): void {
    for (let i = this.head; i < this.items.length; i++) fn(this.items[i] as T);
  }
}
