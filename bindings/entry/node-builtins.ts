// The node: built-ins that Node, Deno and Bun all implement, registered by those three entries
// (kept out of the default entry, which browsers load, and out of workerd's, which has them only
// under nodejs_compat): node:zlib's synchronous inflate for the PHP codecs, and
// node:diagnostics_channel for tracing.
import * as diagnostics from 'node:diagnostics_channel';
import { inflateSync } from 'node:zlib';
import { provideDiagnostics } from '../client/diagnostics.js';
import { provideInflate } from '../codec/inflate.js';

/** Registers node:zlib and node:diagnostics_channel. */
export function useNodeBuiltins(): void {
  provideInflate((bytes, maxBytes) => inflateSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }));
  provideDiagnostics(diagnostics);
}
