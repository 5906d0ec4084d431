/**
 * failback in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no browser
 * is ever downloaded). A node:http server on 127.0.0.1 serves dist/, build/ and the route jobs; the
 * page imports the package's `default` entry (WASM inlined), routes every vector file and posts the
 * results back. Browsers have no TCP: the page also checks that the Client says so clearly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { RouteResult } from './runtimes/checks.js';
import { expectSameRoutesAsNode, exportsMap, importGraph, repoRoot, routeJobsWithNodeResults, transpile } from './runtimes/harness.js';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
/** RUNTIMES.md §4: as root Chromium needs --no-sandbox; the rest keeps it off the network and quiet. */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
  '--disable-domain-reliability', '--no-pings', '--metrics-recording-only',
];
const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};
const RUN_TIMEOUT_MS = 120_000;

interface PageResult {
  userAgent: string;
  routes?: RouteResult[];
  noConnector?: string;
  client?: string;
  error?: string;
}

interface Run {
  result: PageResult;
  expected: Record<string, number[]>;
  /** Requests that got no file. */
  missing: string[];
  pageErrors: string[];
}

let server: Server | undefined;
let context: BrowserContext | undefined;
let profile: string | undefined;
let running: Promise<Run> | undefined;
/** Runs the page once; every test awaits it, so a failure fails each test with its message (no silent skips). */
const run = (): Promise<Run> => (running ??= runPage());

async function runPage(): Promise<Run> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (Debian's package; playwright-core drives it, no browser is downloaded). CHROMIUM_BIN overrides the path.`);
  }
  const entry = exportsMap().default;
  if (!existsSync(join(repoRoot, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  const { jobs, expected } = await routeJobsWithNodeResults();
  const job = JSON.stringify({ entry: entry.replace(/^\.\//, '/'), jobs });
  const missing: string[] = [];
  let report: (result: PageResult) => void = () => {};
  const posted = new Promise<PageResult>((resolve) => (report = resolve));

  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'POST' && url.pathname === '/result') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        send(204, 'text/plain', '');
        report(JSON.parse(body) as PageResult);
      });
      return;
    }
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (url.pathname === '/job.json') return send(200, MIME['.json'], job);
    if (url.pathname === '/test/runtimes/checks.js') return send(200, MIME['.js'], transpile('test/runtimes/checks.ts'));
    const path = normalize(join(repoRoot, decodeURIComponent(url.pathname)));
    const allowed = ['dist/', 'build/', 'test/runtimes/browser.html'].some((p) => path.startsWith(join(repoRoot, p)));
    if (allowed && existsSync(path) && statSync(path).isFile()) return send(200, MIME[extname(path)] ?? 'application/octet-stream', readFileSync(path));
    missing.push(url.pathname);
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');

  profile = await mkdtemp(join(tmpdir(), 'failback-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  await page.goto(`http://127.0.0.1:${address.port}/test/runtimes/browser.html`);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`the page posted no result within 60 s; page errors: ${pageErrors.join(' | ')}; missing: ${missing.join(', ')}`)), 60_000).unref(),
  );
  const result = await Promise.race([posted, timeout]);
  return { result, expected, missing, pageErrors };
}

afterAll(async () => {
  await context?.close();
  if (server) await new Promise((r) => server!.close(r));
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('Chromium (headless): the package\'s default entry', () => {
  it('is what the exports map gives the "default" condition, and its import graph has only relative imports (no node:)', () => {
    const entry = exportsMap().default;
    expect(entry).toBe('./dist/entry/inline.js');
    const graph = importGraph(entry);
    expect([...graph.external.keys()]).toEqual([]);
    expect(graph.files.some((f) => f.endsWith('.wasm'))).toBe(false);
  });

  it('loads in Chromium without errors or missing files', async () => {
    const { result, missing, pageErrors } = await run();
    expect(result.error).toBeUndefined();
    expect(result.userAgent).toMatch(/HeadlessChrome|Chrome/);
    expect(missing).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, RUN_TIMEOUT_MS);

  it('routes every vector file with the WASM engine, identically to Node', async () => {
    const { result, expected } = await run();
    expect(result.error).toBeUndefined();
    expectSameRoutesAsNode(result.routes ?? [], expected);
  }, RUN_TIMEOUT_MS);

  it('has no default transport: defaultConnector() and new Client() without a connector throw InvalidOptionError(connector)', async () => {
    const { result } = await run();
    expect(result.noConnector).toBe('ERR_INVALID_OPTION connector');
    expect(result.client).toBe('ERR_INVALID_OPTION connector');
  }, RUN_TIMEOUT_MS);
});
