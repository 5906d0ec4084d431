/**
 * A throwaway self-signed certificate (no CA) for TLS tests, made with the `openssl` CLI in a
 * fresh temp dir. The cert is its own trust anchor: pass `cert` as node:tls `ca` to verify it.
 * Absence of openssl is a loud failure, never a silent skip.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  /** The temp dir holding both files. */
  dir: string;
  certPath: string;
  keyPath: string;
  /** PEM text of the certificate (also usable as node:tls `ca`). */
  cert: string;
  /** PEM text of the private key. */
  key: string;
  /** The subject's CN. */
  commonName: string;
  /** Removes the temp dir. */
  remove(): Promise<void>;
}

export interface CertificateOptions {
  /** @default 'failback-test' */
  commonName?: string;
  /** subjectAltName entries in openssl syntax. @default ['IP:127.0.0.1', 'DNS:localhost'] */
  altNames?: string[];
}

/** Makes a P-256 key and a self-signed leaf certificate valid for two days. */
export async function makeSelfSignedCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  const commonName = options.commonName ?? 'failback-test';
  const altNames = options.altNames ?? ['IP:127.0.0.1', 'DNS:localhost'];
  const dir = await mkdtemp(join(tmpdir(), 'failback-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', `subjectAltName=${altNames.join(',')}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=serverAuth',
    ]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'openssl is not installed: run `apt-get install -y openssl`' : `openssl could not make a test certificate: ${String(err)}`, { cause: err });
  }
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { dir, certPath, keyPath, cert, key, commonName, remove: () => rm(dir, { recursive: true, force: true }) };
}
