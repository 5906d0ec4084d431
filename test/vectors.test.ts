import { describe, expect, it } from 'vitest';
import { createRouter, type EngineName } from '../bindings/entry/node.js';
import { distributionOptionsFor, loadVectorFiles, routerOptionsFor, type VectorFile } from './support/vectors.js';

const files = loadVectorFiles();

describe.each(['wasm', 'js'] as EngineName[])('engine %s routes every recorded key like the real client', (engine) => {
  it('has vector files to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  it.each(files.map((f) => [f.file, f]))('%s (compat: client/strategy, hash)', async (_name, v) => {
    await check(v, await createRouter({ ...routerOptionsFor(v), engine }));
  });

  it.each(files.filter((f) => distributionOptionsFor(f)).map((f) => [f.file, f]))('%s (distribution, hash)', async (_name, v) => {
    await check(v, await createRouter({ ...distributionOptionsFor(v)!, engine }));
  });

  async function check(v: VectorFile, router: Awaited<ReturnType<typeof createRouter>>): Promise<void> {
    expect(router.engine).toBe(engine);
    for (const i of v.down ?? []) router.setDown(i, true);
    // A -1 with every server up is a key the client refused or renamed: not a routing fact.
    const routed = v.down?.length ? v.vectors : v.vectors.filter(([, s]) => s >= 0);
    const keys = routed.map(([k]) => k);
    const expected = routed.map(([, s]) => s);

    // Batch and single-key paths must both agree with the recording.
    expect(Array.from(router.routeMany(keys))).toEqual(expected);
    expect(keys.map((k) => router.route(k))).toEqual(expected);
    // Raw bytes route like the string they encode, one by one and in one batch crossing.
    const bytes = keys.map((k) => new TextEncoder().encode(k));
    expect(bytes.map((k) => router.route(k))).toEqual(expected);
    expect(Array.from(router.routeMany(bytes))).toEqual(expected);
    if (!v.down?.length) expect(keys.map((k) => router.owner(k))).toEqual(expected);
  }
});
