// Writes the .d.cts type entries of the "require" condition: a CommonJS consumer (TypeScript
// `module: node16`, CommonJS output) that require()s failback gets the same types. The code
// itself is ESM; Node ≥ 20.19 and 22.12 load it through require(esm).
import { writeFileSync } from 'node:fs';

for (const [dts, target] of [['dist/index.d.cts', './index.js'], ['dist/stores/keyv.d.cts', './keyv.js']]) {
  writeFileSync(new URL(`../${dts}`, import.meta.url), `export * from '${target}';\n`);
}
