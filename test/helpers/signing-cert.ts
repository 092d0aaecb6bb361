import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './command.js';

export interface SigningCert {
  /** PEM file the registry trusts as auth.token.rootcertbundle. */
  certPath: string;
  privateKey: KeyObject;
  /** Base64 DER, as it goes into a JWT x5c header. */
  certDerBase64: string;
}

/** A self-signed P-256 certificate and its key, as PEM files in `dir`, made with the openssl CLI. */
export async function selfSignedCert(
  dir: string,
  name: string,
  subject: string,
  subjectAltName?: string,
): Promise<{ certPath: string; keyPath: string }> {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    `/CN=${subject}`,
    ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : []),
  ]);
  return { certPath, keyPath };
}

/**
 * A self-signed certificate for the token server: it puts it in each JWT's x5c header; distribution verifies
 * that chain against its rootcertbundle, and a self-signed leaf that is itself the root verifies.
 */
export async function makeSigningCert(dir: string): Promise<SigningCert> {
  const { certPath, keyPath } = await selfSignedCert(
    dir,
    'token-signer',
    'image-lifecycle test token signer',
  );
  const certPem = readFileSync(certPath);
  return {
    certPath,
    privateKey: createPrivateKey(readFileSync(keyPath)),
    certDerBase64: new X509Certificate(certPem).raw.toString('base64'),
  };
}
