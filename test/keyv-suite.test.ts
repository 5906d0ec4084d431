/**
 * The official `@keyv/test-suite` (API, values, namespaces) against `failback/keyv` on a real
 * memcached. The store and the Client come by package name, as users import them: the store
 * imports 'failback' itself (the runtime entry), so both resolve to dist/ (`npm run build` first).
 */
import * as vitest from 'vitest';
import Keyv from 'keyv';
import keyvTestSuite from '@keyv/test-suite';
import { Client } from 'failback';
import { KeyvFailback } from 'failback/keyv';
import { MemcachedServer } from './support/memcached.js';

let server: MemcachedServer;
let client: Client;

vitest.beforeAll(async () => {
  server = await MemcachedServer.start();
  client = new Client({ servers: [server.address] });
});
vitest.afterAll(async () => {
  await client?.close();
  await server?.stop();
});

// The suite makes a store per Keyv instance and never disconnects them: they share one Client.
keyvTestSuite(vitest, Keyv, () => new KeyvFailback(client));
