/**
 * `diagnostics_channel` publishing, the way undici, node-redis and ioredis do it: a
 * `TracingChannel` named `failback:command` around every request sent to a server, and plain
 * channels for health transitions. When nobody subscribes, a command costs one boolean check.
 * The Node, Deno and Bun entries register `node:diagnostics_channel`; elsewhere nothing is published.
 */
import type { ServerInfo } from '../health/server-health.js';
import type { RepairOutcome } from '../pool/recovery.js';
import type { Request } from '../protocol/request.js';

/** Channel names; subscribe with `diagnostics_channel.tracingChannel(…)` / `.subscribe(…)`. */
export const CHANNELS = {
  /** TracingChannel (start / end / asyncStart / asyncEnd / error) per request to one server. */
  command: 'failback:command',
  down: 'failback:server:down',
  recovering: 'failback:server:recovering',
  failback: 'failback:server:failback',
  up: 'failback:server:up',
} as const;

/** What `failback:command` publishes; `result` (the server's parsed reply) is set before asyncEnd, `error` before error. */
export interface CommandMessage {
  /** memcached's command name: `get`, `set`, `delete`, `incr`, `stats`, … (a getMany batch is a `get`). */
  command: string;
  /** Keys the request carries (1 for single-key commands, 0 for `stats`, `version`, `flush_all`). */
  keys: number;
  /** The first key, for single-key commands (a Uint8Array for a binary key); undefined otherwise. */
  key: string | Uint8Array | undefined;
  /** `host:port` of the server the request went to. */
  server: string;
  host: string;
  port: number;
  result?: unknown;
  error?: unknown;
}

/** What the health channels publish. */
export interface HealthMessage {
  server: ServerInfo;
  /** `down`: why. */
  error?: Error;
  /** `failback`: the outcome (role leader / follower / alone, flushed, deleted…). */
  outcome?: RepairOutcome;
}

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

interface TracingChannel {
  readonly start: Channel;
  readonly end: Channel;
  readonly asyncStart: Channel;
  readonly asyncEnd: Channel;
  readonly error: Channel;
  tracePromise<T>(fn: () => Promise<T>, context: object): Promise<T>;
}

/** The part of `node:diagnostics_channel` used here. */
export interface DiagnosticsChannelModule {
  channel(name: string): Channel;
  tracingChannel(name: string): TracingChannel;
}

let command: TracingChannel | undefined;
let health: Record<'down' | 'recovering' | 'failback' | 'up', Channel> | undefined;

/** Registers the runtime's diagnostics_channel (called by the Node, Deno and Bun entries). */
export function provideDiagnostics(dc: DiagnosticsChannelModule): void {
  command = typeof dc.tracingChannel === 'function' ? dc.tracingChannel(CHANNELS.command) : undefined;
  health = { down: dc.channel(CHANNELS.down), recovering: dc.channel(CHANNELS.recovering), failback: dc.channel(CHANNELS.failback), up: dc.channel(CHANNELS.up) };
}

function subscribed(tc: TracingChannel): boolean {
  return tc.start.hasSubscribers || tc.end.hasSubscribers || tc.asyncStart.hasSubscribers || tc.asyncEnd.hasSubscribers || tc.error.hasSubscribers;
}

/** What a request is sent through (a connection). */
interface Sender {
  send<R>(request: Request<R>, timeout?: number): Promise<R>;
}

/**
 * Sends `request` through `connection`, inside the command TracingChannel when anyone listens.
 * Unsubscribed it is the plain send: no closure, no message (the get path runs through here).
 */
export function sendTraced<R>(connection: Sender, request: Request<R>, timeout: number | undefined, key: string | Uint8Array | undefined, address: { name: string; host: string; port: number }): Promise<R> {
  if (command === undefined || !subscribed(command)) return connection.send(request, timeout);
  const keys = request.keys?.length ?? (key === undefined ? 0 : 1);
  const message: CommandMessage = {
    command: request.command, keys, key: keys === 1 ? (key ?? request.keys?.[0]) : undefined,
    server: address.name, host: address.host, port: address.port,
  };
  return command.tracePromise(() => connection.send(request, timeout), message);
}

/** Publishes a health transition when anyone listens. */
export function publishHealth(event: 'down' | 'recovering' | 'failback' | 'up', message: HealthMessage): void {
  const channel = health?.[event];
  if (channel?.hasSubscribers) channel.publish(message);
}
