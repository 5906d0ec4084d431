/**
 * A typed event emitter with `node:events` semantics, without importing `node:events` (the client
 * also runs at the edge and in browsers). It has the methods `events.once(emitter, name)` and
 * `events.on(emitter, name)` call (`on`, `once`, `removeListener`), so both work with a client.
 * Event names are checked at compile time: only the keys of `Events` are accepted.
 */

type Listener = (...args: never[]) => void;
/** A `once` wrapper remembers what it wraps, so `off(listener)` removes it too (as in Node). */
type Registered = Listener & { listener?: Listener };

export class Emitter<Events extends { [E in keyof Events]: Listener }> {
  private readonly registry = new Map<keyof Events, Registered[]>();

  /** Adds `listener` for `event` (after those already added). */
  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.register(event, listener, false);
  }

  /** Alias of {@link on}. */
  addListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.register(event, listener, false);
  }

  /** Adds `listener` before those already added. */
  prependListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.register(event, listener, true);
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.register(event, this.onceWrapper(event, listener), false);
  }

  /** {@link once}, before the listeners already added. */
  prependOnceListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.register(event, this.onceWrapper(event, listener), true);
  }

  /** Removes the most recently added registration of `listener` (or of a `once` wrapping it). */
  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    const list = this.registry.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        // A new array: an emit in progress keeps iterating the one it started with.
        const next = list.slice(0, i).concat(list.slice(i + 1));
        if (next.length === 0) this.registry.delete(event);
        else this.registry.set(event, next);
        break;
      }
    }
    return this;
  }

  /** Alias of {@link off}. */
  removeListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.registry.clear();
    else this.registry.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.registry.get(event)?.length ?? 0;
  }

  /** The listeners of `event` (a `once` listener as the function you passed). */
  listeners<E extends keyof Events>(event: E): Events[E][] {
    return (this.registry.get(event) ?? []).map((l) => (l.listener ?? l) as Events[E]);
  }

  /** The listeners of `event` as registered (`once` wrappers included). */
  rawListeners<E extends keyof Events>(event: E): Events[E][] {
    return [...(this.registry.get(event) ?? [])] as Events[E][];
  }

  /** The events that have listeners. */
  eventNames(): (keyof Events)[] {
    return [...this.registry.keys()];
  }

  /** No limit applies (kept for `node:events` compatibility). */
  setMaxListeners(_n: number): this {
    return this;
  }

  getMaxListeners(): number {
    return Infinity;
  }

  /**
   * Calls the listeners of `event` in order; returns whether there were any. A throwing listener
   * is reported to {@link onListenerError}, never to the code that emitted.
   */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): boolean {
    const list = this.registry.get(event);
    if (!list) return false;
    for (const listener of list) {
      try {
        (listener as unknown as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
    return true;
  }

  /** Where listener exceptions go; subclasses report them. */
  protected onListenerError(err: unknown, event: string): void {
    queueMicrotask(() => {
      throw Object.assign(new Error(`a "${event}" listener threw`), { cause: err });
    });
  }

  private register(event: keyof Events, listener: Registered, first: boolean): this {
    if (typeof listener !== 'function') throw new TypeError(`the "${String(event)}" listener must be a function, got ${typeof listener}`);
    const list = this.registry.get(event) ?? [];
    this.registry.set(event, first ? [listener, ...list] : [...list, listener]);
    return this;
  }

  private onceWrapper<E extends keyof Events>(event: E, listener: Events[E]): Registered {
    const wrapper: Registered = (...args: never[]) => {
      this.off(event, listener);
      (listener as Listener)(...args);
    };
    wrapper.listener = listener;
    return wrapper;
  }
}
