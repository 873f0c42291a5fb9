// Keys for provisioning: made with Node's webcrypto, kept as PKCS#8 PEM, and whatever a hospital's
// own CA key comes as (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY") read back in.
//   const keys = await newKeyPair()                  ECDSA P-256, the kind every issued certificate gets
//   await privateKeyPem(keys.privateKey)            → '-----BEGIN PRIVATE KEY-----…'
//   const { keys, signingAlgorithm } = await loadSigningKey(pem)   EC P-256/P-384 or RSA ≥ 2048
//   spkiOfPrivateKey(pem)                            the public half, DER, to compare with a certificate's
//   encryptPrivateKeyPem(pem, passphrase)           → '-----BEGIN ENCRYPTED PRIVATE KEY-----…' (PKCS#8, AES-256, PBES2)

import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { ProvisioningError } from './subject.ts';
import { x509 } from '../protocol/x509.ts';

export const subtle = webcrypto.subtle as unknown as SubtleCrypto;

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function readPrivateKey(pem: string, passphrase?: string): KeyObject {
  if (passphrase === undefined && pem.includes('ENCRYPTED')) throw new ProvisioningError('the key is encrypted: give its passphrase (a file or an environment variable, never the command line)');
  try {
    return createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
  } catch (e) {
    throw new ProvisioningError(`not a readable private key (PEM, PKCS#8/SEC1/PKCS#1${passphrase === undefined ? ', unencrypted' : ''}): ${(e as Error).message}`);
  }
}

/** The SubjectPublicKeyInfo (DER) of a private key's public half. */
export function spkiOfPrivateKey(pem: string, passphrase?: string): Buffer {
  return createPublicKey(readPrivateKey(pem, passphrase)).export({ type: 'spki', format: 'der' });
}

/** The key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC): what `provision ca --encrypt-key` stores. */
export function encryptPrivateKeyPem(pem: string, passphrase: string): string {
  if (passphrase.length < 12) throw new ProvisioningError('a CA key passphrase must be at least 12 characters');
  return readPrivateKey(pem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

export interface SigningKey {
  keys: CryptoKeyPair;
  signingAlgorithm: Algorithm | EcdsaParams;
}

/** A CA key as webcrypto keys plus the signature it makes: ECDSA with SHA-256/384, or RSA PKCS#1 v1.5 with SHA-256. */
export async function loadSigningKey(pem: string, passphrase?: string): Promise<SigningKey> {
  const key = readPrivateKey(pem, passphrase);
  const details = key.asymmetricKeyDetails ?? {};
  let importAlg: EcKeyImportParams | RsaHashedImportParams;
  let signingAlgorithm: Algorithm | EcdsaParams;
  if (key.asymmetricKeyType === 'ec' && (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1')) {
    const p384 = details.namedCurve === 'secp384r1';
    importAlg = { name: 'ECDSA', namedCurve: p384 ? 'P-384' : 'P-256' };
    signingAlgorithm = { name: 'ECDSA', hash: p384 ? 'SHA-384' : 'SHA-256' } as EcdsaParams;
  } else if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) {
    importAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    signingAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm;
  } else {
    const what = key.asymmetricKeyType === 'ec' ? `EC ${details.namedCurve}` : `${key.asymmetricKeyType} ${details.modulusLength ?? ''}`.trim();
    throw new ProvisioningError(`unsupported CA key (${what}): use EC P-256, EC P-384 or RSA of at least 2048 bits`);
  }
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, importAlg, false, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, importAlg, true, ['verify']);
  return { keys: { privateKey, publicKey }, signingAlgorithm };
}
