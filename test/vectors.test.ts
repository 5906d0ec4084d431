import { describe, expect, it } from 'vitest';
import { createRouter, type EngineName } from '../bindings/entry/node.js';
import { loadVectorFiles, routerOptionsFor } from './support/vectors.js';

const files = loadVectorFiles();

describe.each(['wasm', 'js'] as EngineName[])('engine %s routes every recorded key like the real client', (engine) => {
  it('has vector files to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files.map((f) => [f.file, f]))('%s', async (_name, v) => {
    const router = await createRouter({ ...routerOptionsFor(v), engine });
    expect(router.engine).toBe(engine);
    for (const i of v.down ?? []) router.setDown(i, true);
    const keys = v.vectors.map(([k]) => k);
    const expected = v.vectors.map(([, s]) => s);

    // Batch and single-key paths must both agree with the recording.
    expect(Array.from(router.routeMany(keys))).toEqual(expected);
    expect(keys.map((k) => router.route(k))).toEqual(expected);
    // Raw bytes route like the string they encode, one by one and in one batch crossing.
    const bytes = keys.map((k) => new TextEncoder().encode(k));
    expect(bytes.map((k) => router.route(k))).toEqual(expected);
    expect(Array.from(router.routeMany(bytes))).toEqual(expected);
    if (!v.down?.length) expect(keys.map((k) => router.owner(k))).toEqual(expected);
  });
});
