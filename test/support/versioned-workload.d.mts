/** Types of versioned-workload.mjs (plain JS, so that frontend child processes can run it too). */
export interface WorkloadCounts { reads: number; hits: number; misses: number; writes: number; stale: number; errors: number }
export interface StaleRead { key: string; cached: number; origin: number; replacedMsAgo: number }
interface CacheLike {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<boolean>;
  add(key: string, value: string): Promise<boolean>;
}
export function originStore(origin: CacheLike): {
  read(key: string): Promise<{ version: number; at: number }>;
  write(key: string, version: number): Promise<void>;
};
export function runWorkload(options: {
  cache: CacheLike; origin: CacheLike; keys: string[]; writer: number; writers: number; until: () => boolean;
  graceMs?: number; writeShare?: number; pauseMs?: number; onStale?: (s: StaleRead) => void;
}): Promise<WorkloadCounts>;
