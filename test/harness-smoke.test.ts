import { it, expect } from 'vitest';
import { MemcachedServer, rawCommand, serverStats } from './support/memcached.js';

it('starts, restarts on the same port and stops a real memcached', async () => {
  const s = await MemcachedServer.start();
  expect(await rawCommand(s.host, s.port, 'version\r\n')).toMatch(/^VERSION 1\./);
  expect(await rawCommand(s.host, s.port, 'set a 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
  await s.restart();
  expect(await rawCommand(s.host, s.port, 'get a\r\n')).toBe('END\r\n');
  expect((await serverStats(s.host, s.port)).get('cmd_flush')).toBe('0');
  await s.stop();
});
