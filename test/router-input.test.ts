/** What the router refuses: unknown option names and bad values are InvalidOptionErrors before anything async. */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../bindings/errors.js';
import { resolveRouterOptions, ROUTER_OPTION_NAMES, validateRouterOptions, type RouterOptions } from '../bindings/routing/options.js';
import { createRouter } from '../bindings/routing/router.js';
import { provideWasm } from '../bindings/routing/wasm-core.js';

const wasmFile = new URL('../build/core.wasm', import.meta.url);
const realWasm = () => readFile(wasmFile);
beforeAll(() => provideWasm(realWasm));
afterEach(() => provideWasm(realWasm));

const servers = ['10.0.0.1:11211', '10.0.0.2:11211:2', '10.0.0.3:11212'];

/** What `fn` threw (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

function expectOptionError(err: unknown, option: string, message?: RegExp): void {
  expect(err).toBeInstanceOf(InvalidOptionError);
  expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  expect((err as InvalidOptionError).option).toBe(option);
  if (message) expect((err as Error).message).toMatch(message);
}

describe('router option names', () => {
  it('are exactly the five RouterOptions', () => {
    expect([...ROUTER_OPTION_NAMES]).toEqual(['servers', 'distribution', 'hash', 'failover', 'engine']);
    expect(Object.isFrozen(ROUTER_OPTION_NAMES)).toBe(true);
  });

  it.each(['distrubution', 'hashFunction', 'weights', 'failOver', 'Engine', 'timeout'])(
    'an unknown name (%s) is refused at once, naming it and listing the known ones',
    async (name) => {
      const options = { servers, [name]: 'ketama' } as unknown as RouterOptions;
      const message = new RegExp(`^${name}: is not a router option; the options are servers, distribution, hash, failover, engine$`);
      expectOptionError(thrown(() => resolveRouterOptions(options)), name, message);
      expectOptionError(thrown(() => validateRouterOptions(options)), name, message);
      expectOptionError(await createRouter(options).catch((e: unknown) => e), name, message);
    },
  );

  it('a misspelt distribution does not quietly route as consistent', async () => {
    const err = await createRouter({ servers, distrubution: 'standard' } as unknown as RouterOptions).catch((e: unknown) => e);
    expectOptionError(err, 'distrubution');
  });

  it('known names set to undefined are the defaults', async () => {
    const options: RouterOptions = { servers, distribution: undefined, hash: undefined, failover: undefined, engine: undefined };
    const resolved = validateRouterOptions(options);
    expect([resolved.distribution, resolved.hash, resolved.failover, resolved.engine]).toEqual(['consistent', 'crc32', 'offline', undefined]);
    expect((await createRouter(options)).distribution).toBe('consistent');
  });

  it('createRouter refuses bad options before it loads the WASM core', async () => {
    let loads = 0;
    provideWasm(() => {
      loads++;
      return realWasm();
    });
    expectOptionError(await createRouter({ servers, engine: 'wasm', distrubution: 'ketama' } as unknown as RouterOptions).catch((e: unknown) => e), 'distrubution');
    expectOptionError(await createRouter({ servers: [], engine: 'wasm' }).catch((e: unknown) => e), 'servers');
    expect(loads).toBe(0);
    expect((await createRouter({ servers, engine: 'wasm' })).engine).toBe('wasm');
    expect(loads).toBe(1);
  });
});

describe('bad values', () => {
  it.each([
    ['options that are not an object', null, 'options'],
    ['a string for options', 'servers', 'options'],
    ['no servers', {}, 'servers'],
    ['servers as a string', { servers: '10.0.0.1:11211' }, 'servers'],
    ['a hole in the servers', { servers: [, '10.0.0.1:11211'] }, 'servers[0]'],
    ['a server that is a number', { servers: [11211] }, 'servers[0]'],
    ['a misspelt server field', { servers: [{ host: 'a', prot: 11212 }] }, 'servers[0].prot'],
    ['a server weight misspelt', { servers: ['a:1', { host: 'b', wieght: 2 }] }, 'servers[1].wieght'],
    ['a server name that is not host:port', { servers: [{ host: 'a', port: 1, name: 'b:1' }] }, 'servers[0].name'],
    ['a port given as a string', { servers: [{ host: 'a', port: '11211' }] }, 'servers[0].port'],
    ['a fractional weight', { servers: [{ host: 'a', weight: 1.5 }] }, 'servers[0].weight'],
    ['a host with a space', { servers: ['bad host:1'] }, 'servers[0]'],
    ['a distribution that is not a string', { servers, distribution: 3 }, 'distribution'],
    ['a distribution in capitals', { servers, distribution: 'Ketama' }, 'distribution'],
    ['a hash for buckets other than crc32', { servers, distribution: 'buckets', hash: 'fnv' }, 'hash'],
    ['an engine in capitals', { servers, engine: 'WASM' }, 'engine'],
    ['a failover that is a boolean', { servers, failover: true }, 'failover'],
  ])('%s is refused naming the option', async (_what, options, option) => {
    expectOptionError(thrown(() => validateRouterOptions(options as never)), option);
    expectOptionError(await createRouter(options as never).catch((e: unknown) => e), option);
  });

  it('a resolved server list can be passed back in', async () => {
    const first = validateRouterOptions({ servers });
    const again = await createRouter({ servers: first.servers, engine: 'js' });
    expect(again.servers).toEqual(first.servers);
  });
});
