import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './fixtures.js';

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const VALID_DAYS = ['-days', '1'];
const LEAF = ['-addext', 'basicConstraints=CA:FALSE'];

export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function pair(dir: string, name: string): KeyPair {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  return {
    certFile,
    keyFile,
    get cert() {
      return fs.readFileSync(certFile);
    },
    get key() {
      return fs.readFileSync(keyFile);
    },
  };
}

/** Certificates made with Debian's openssl for a test: a CA, and what it signs. */
export class TestCa {
  readonly dir = tempDir('lw-tls-');
  readonly ca: KeyPair;

  constructor(name = 'ca') {
    this.ca = pair(this.dir, name);
    openssl(
      ['req', '-x509', ...EC_KEY, '-keyout', this.ca.keyFile, '-out', this.ca.certFile].concat(
        ['-subj', `/CN=liftwatch test ${name}`],
        VALID_DAYS,
      ),
    );
  }

  /** A server certificate for the loopback address. */
  server(): KeyPair {
    return this.issue('server', '127.0.0.1', ['-addext', 'subjectAltName=IP:127.0.0.1']);
  }

  /** A client certificate whose subject is CN=`commonName`. */
  client(commonName: string): KeyPair {
    return this.issue(`client-${commonName}`, commonName, []);
  }

  private issue(name: string, commonName: string, extensions: string[]): KeyPair {
    const issued = pair(this.dir, name);
    openssl(
      ['req', '-x509', '-CA', this.ca.certFile, '-CAkey', this.ca.keyFile, ...EC_KEY]
        .concat(['-keyout', issued.keyFile, '-out', issued.certFile, '-subj', `/CN=${commonName}`])
        .concat(LEAF, extensions, VALID_DAYS),
    );
    return issued;
  }
}
