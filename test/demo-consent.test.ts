/**
 * The demo installs system packages only when it may: under CI (env CI set) it does, at a
 * terminal it asks (no by default), and with nobody to ask it does not.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { mayInstall, type Terminal } from '../demo/consent.js';

const CI = process.env.CI;
afterEach(() => {
  if (CI === undefined) delete process.env.CI;
  else process.env.CI = CI;
});

/**
 * A fake terminal: what the demo wrote to it, and `answer` typed in once, when the question is
 * complete (undefined: Ctrl-D instead). Once only: the terminal echoes what is typed.
 */
function terminal(answer: string | undefined, tty = true): Terminal & { asked: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  const output = Object.assign(new PassThrough(), { isTTY: tty });
  let asked = '';
  let answered = false;
  output.on('data', (d: Buffer) => {
    asked += d.toString();
    if (answered || !asked.includes('[y/N] ')) return;
    answered = true;
    if (answer === undefined) input.end();
    else input.write(`${answer}\n`);
  });
  return { input, output, asked: () => asked };
}

describe('the demo asks before installing system packages', () => {
  it('installs under CI without asking, and says so', async () => {
    process.env.CI = 'true';
    const lines: string[] = [];
    const t = terminal('n');
    expect(await mayInstall('memcached', 'apt-get install -y memcached', (l) => lines.push(l), t)).toBe(true);
    expect(t.asked()).toBe('');
    expect(lines.join('\n')).toContain('CI is set');
  });

  it('at a terminal: asks, and installs only on yes', async () => {
    delete process.env.CI;
    for (const [answer, install] of [['y', true], ['Yes', true], ['n', false], ['', false], ['maybe', false], [undefined, false]] as const) {
      const t = terminal(answer);
      expect(await mayInstall('memcached', 'apt-get install -y memcached', () => {}, t), String(answer)).toBe(install);
      expect(t.asked()).toContain('memcached is missing. Install it now (apt-get install -y memcached)? [y/N]');
    }
  });

  it('with nobody to ask (not a terminal, not CI): does not install and asks nothing', async () => {
    delete process.env.CI;
    const t = terminal('y', false);
    expect(await mayInstall('memcached', 'apt-get install -y memcached', () => {}, t)).toBe(false);
    expect(t.asked()).toBe('');
  });
});
