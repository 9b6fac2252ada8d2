// Which certificate authorities an HTTPS fetch trusts. Node 20 verifies against its own copy of
// Mozilla's roots and ignores the system's store unless started with --use-openssl-ca; a mirror
// behind a company or distribution CA must still check out, so we pass `ca` ourselves: Node's
// roots, the system bundle (SSL_CERT_FILE / SSL_CERT_DIR as OpenSSL and Guix read them, else the
// usual bundle paths), and the user's --ca-file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { fileProblem } from '../fsutil/problem.js';

/** Where distributions keep their CA bundle (Debian and Guix System, Fedora, openSUSE, Alpine). */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';

function readPem(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    const text = readFileSync(file, 'latin1');
    return text.includes(PEM_BEGIN) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The system's CA certificates (PEM texts), or none when the system has no bundle we know. */
function systemCertificates(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const file = env.SSL_CERT_FILE ? readPem(env.SSL_CERT_FILE) : SYSTEM_BUNDLES.map(readPem).find(Boolean);
  if (file) out.push(file);
  if (env.SSL_CERT_DIR) {
    for (const dir of env.SSL_CERT_DIR.split(':').filter(Boolean)) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const pem = /\.(pem|crt|\d)$/.test(n) ? readPem(path.join(dir, n)) : undefined;
        if (pem) out.push(pem);
      }
    }
  }
  return out;
}

/** The user's own CA file: PEM certificates, refused with a clear message otherwise. */
function userCertificates(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new KeytoolError(`cannot read the CA file ${displayable(file)}: ${fileProblem(e, file)}`, 2);
  }
  if (!text.includes(PEM_BEGIN)) throw new KeytoolError(`${displayable(file)} holds no PEM certificate ("${PEM_BEGIN}"); give the CA certificate in PEM form`, 2);
  return text;
}

/** Every CA an HTTPS fetch trusts: Node's roots, the system's, and the user's file. */
export function trustedCertificates(caFile: string | undefined, env: NodeJS.ProcessEnv): string[] {
  return [...rootCertificates, ...systemCertificates(env), ...(caFile ? [userCertificates(caFile)] : [])];
}
