/**
 * The request a command belongs to, found without passing it along: `AsyncLocalStorage`, loaded
 * on first use from `node:async_hooks` (Node, Deno, Bun; Workers with `nodejs_compat`). Only
 * `client.wrap(handler)` uses it; `client.forRequest(ctx)` needs nothing of the runtime.
 */
import { InvalidOptionError } from '../errors.js';

interface Storage {
  getStore(): unknown;
  run<T>(store: unknown, fn: () => T): T;
}

let storage: Storage | undefined;
let loading: Promise<Storage> | undefined;

/** The storage, once some `wrap`ped handler has loaded it. */
export function requestStorage(): Storage | undefined {
  return storage;
}

/** Loads `AsyncLocalStorage` (once). */
export function loadRequestStorage(): Promise<Storage> {
  // A computed specifier: bundlers leave it alone, so a Worker without nodejs_compat still builds.
  const specifier = ['node', 'async_hooks'].join(':');
  loading ??= (import(specifier) as Promise<{ AsyncLocalStorage: new () => Storage }>).then(
    (m) => (storage = new m.AsyncLocalStorage()),
    (err: unknown) => {
      loading = undefined;
      throw new InvalidOptionError('wrap', `needs AsyncLocalStorage (node:async_hooks; in Workers the nodejs_compat flag): ${String(err)}; use client.forRequest(ctx) instead`);
    },
  );
  return loading;
}
