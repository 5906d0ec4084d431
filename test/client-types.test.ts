// What the types promise (checked by `npm run typecheck`, which npm test runs): get() is typed
// by the codec, events by name.
import { describe, expectTypeOf, it } from 'vitest';
import { Client, type Codec } from '../bindings/entry/node.js';

const servers = ['127.0.0.1:11211'];
const numbers: Codec<number> = { encode: (n) => ({ bytes: new TextEncoder().encode(String(n)), flags: 0 }), decode: (b) => Number(new TextDecoder().decode(b)) };

describe('types', () => {
  it('get() returns what the codec makes', () => {
    // Type-level only: nothing here is constructed.
    const make = {
      utf8: () => new Client({ servers }),
      bytes: () => new Client({ servers, codec: 'bytes' }),
      json: () => new Client({ servers, codec: 'json' }),
      named: () => new Client<{ id: number }>({ servers, codec: 'json' }),
      php: () => new Client({ servers, codec: 'php-memcached' }),
      own: () => new Client({ servers, codec: numbers }),
    };
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.utf8>['get']>>>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.bytes>['get']>>>().toEqualTypeOf<Uint8Array | undefined>();
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.json>['get']>>>().toEqualTypeOf<unknown>();
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.named>['get']>>>().toEqualTypeOf<{ id: number } | undefined>();
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.php>['get']>>>().toEqualTypeOf<unknown>();
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.own>['get']>>>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof make.utf8>['incr']>>>().toEqualTypeOf<number | bigint | undefined>();
  });

  it('events are typed by name, and on() returns the client', () => {
    expectTypeOf<Parameters<Client['on']>[0]>().toEqualTypeOf<'down' | 'recovering' | 'failback' | 'up' | 'error'>();
    expectTypeOf<ReturnType<Client['on']>>().toEqualTypeOf<Client>();
  });
});
