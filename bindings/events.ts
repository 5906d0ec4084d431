/** A minimal typed event emitter (no `node:events`, so the client also runs at the edge). */
export class Emitter<Events extends { [name: string]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Calls the listeners in order; a throwing listener is reported to `onListenerError`, never to the emitter. */
  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  /** Where listener exceptions go; subclasses report them. */
  protected onListenerError(err: unknown, event: string): void {
    queueMicrotask(() => {
      throw Object.assign(new Error(`a "${event}" listener threw`), { cause: err });
    });
  }
}
