/**
 * The IPC protocol between the demo's main process (which hosts the origin and runs the
 * scenario) and its frontend processes. Plain JSON objects over `process.send`.
 */
import type { FailoverPolicy, FlushPolicy } from 'failback';
import type { WorkloadConfig } from './config.js';
import type { ReadPath } from './policies.js';

/** What a frontend needs to know, passed as JSON in its argv. */
export interface FrontendConfig {
  /** 0-based frontend number; it serves the keys whose index ≡ id (mod frontends). */
  id: number;
  frontends: number;
  servers: string[];
  gutter: string[];
  failover: FailoverPolicy;
  flush: FlushPolicy;
  /** get-then-set, or `mc.fetch` (leases). */
  reads: ReadPath;
  gutterTtl: number;
  retryInterval: number;
  timeout: number;
  /** Milliseconds between read-sample batches sent to the main process. */
  reportEveryMs: number;
  workload: WorkloadConfig;
}

/** A frontend's client event, timestamped in the frontend (same machine, same wall clock). */
export interface ClientEventRecord {
  frontend: number;
  event: 'down' | 'recovering' | 'failback' | 'up' | 'error';
  /** `host:port` of the server concerned (empty for `error`). */
  server: string;
  /** Epoch milliseconds. */
  at: number;
  /**
   * For `failback`: this frontend led the lock-coordinated flush, followed the leader's, or
   * needed none (`alone`: its journal's deletes were enough).
   */
  role?: 'leader' | 'follower' | 'alone';
  /** For `failback`: the servers the leader flushed. */
  flushed?: string[];
  /** For `failback`: keys this frontend deleted because it skipped, lost or misplaced their writes. */
  deleted?: number;
  /** For `failback`: the server had restarted (a new process) while it was down for this frontend. */
  restarted?: boolean;
  /** For `error` and `down`: the message. */
  message?: string;
}

/** The frontend's totals, sent when it stops. */
export interface FrontendTotals {
  frontend: number;
  operations: number;
  /** Operations that threw (a request in flight when its server was killed, mostly). */
  errors: number;
  /** Requests answered at once because the key's server was down (`offline`). */
  offlineSkips: number;
  /** Requests for a down server's keys sent to another server (redistribute, gutter). */
  failovers: number;
}

/** Frontend → main. */
export type FrontendMessage =
  | { type: 'ready' }
  /** Ask the origin: `load` the current version, or `write` (bump) it. */
  | { type: 'origin'; id: number; op: 'load' | 'write'; key: number }
  /**
   * Reads since the last batch, flattened 4 numbers per read to keep IPC cheap:
   * key index, version returned (-1 on a miss), epoch ms the read began, epoch ms the returned
   * copy was stored (-1 on a miss).
   */
  | { type: 'reads'; samples: number[] }
  | { type: 'event'; record: ClientEventRecord }
  | { type: 'stopped'; totals: FrontendTotals };

/** Main → frontend. */
export type MainMessage =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'origin'; id: number; version: number };

/** Numbers per read in a `reads` batch. */
export const SAMPLE_WIDTH = 4;
