/** Polls `check` until it returns a truthy value or `ms` elapse (then throws, naming `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, ms = 10_000, every = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Resolves with the arguments of the next `event` a client emits. */
export function nextEvent<A extends unknown[]>(client: { once(event: never, fn: never): unknown; off(event: never, fn: never): unknown }, event: string, ms = 10_000): Promise<A> {
  return new Promise((resolve, reject) => {
    const listener = (...args: A) => { clearTimeout(timer); resolve(args); };
    const timer = setTimeout(() => { client.off(event as never, listener as never); reject(new Error(`no "${event}" event within ${ms} ms`)); }, ms);
    client.once(event as never, listener as never);
  });
}
