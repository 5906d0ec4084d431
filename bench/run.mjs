// Runs every benchmark (routing, routing per preset, failback, then clients) and writes each one's markdown to bench/out/<name>.md.
// Run: npm run bench   (after a build; REPS applies to both)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });

/** Runs one bench script; its stdout (markdown) is echoed and saved, its stderr (progress) passed through. */
function run(name) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, `${name}.mjs`)], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const chunks = [];
    child.stdout.on('data', (chunk) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`bench/${name}.mjs failed (${code ?? signal})`));
        return;
      }
      const file = join(outDir, `${name}.md`);
      writeFileSync(file, Buffer.concat(chunks));
      process.stderr.write(`wrote ${file}\n`);
      resolve();
    });
  });
}

for (const name of ['routing', 'presets', 'failback', 'client']) await run(name);
