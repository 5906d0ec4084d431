/**
 * The Cloudflare Worker run by test/runtime-workerd.test.ts in workerd (Miniflare API).
 * The test transpiles this file and serves the package's dist/ build: the `../../bindings/`
 * specifiers below are rewritten to `../../dist/` (they name the sources only for type-checking).
 */
import * as pkg from '../../bindings/entry/workerd.js';
import { defaultConnector } from '../../bindings/transport/default.js';
import { runAll, type RuntimeJob } from './checks.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const job = (await request.json()) as RuntimeJob;
    const report = await runAll(pkg, defaultConnector, job);
    return Response.json({ userAgent: navigator.userAgent, ...report });
  },
};
