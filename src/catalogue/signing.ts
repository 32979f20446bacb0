import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson, readGuarded } from '../core/index.ts';
import type { ImageSignature, StoredImage } from '../store/index.ts';
import { catalogueErrors } from './errors.ts';

/** Where the image-signing key lives unless --key names another. */
export const defaultKeyPath = (home: string) => join(home, 'keys', 'image-signing.key');

/**
 * Loads the Ed25519 image-signing key, generating it on first use (private key 0600,
 * public key beside it as `<file>.pub`).
 */
export function loadSigningKey(keyPath: string): { privateKey: KeyObject; publicKeyPem: string } {
  if (!existsSync(keyPath)) {
    mkdirSync(dirname(keyPath), { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    chmodSync(keyPath, 0o600); // the umask may have narrowed it; never widened
    writeFileSync(`${keyPath}.pub`, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  }
  const pem = readGuarded(keyPath, { what: 'image-signing key', maxBytes: 64 << 10 });
  try {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`key type ${privateKey.asymmetricKeyType ?? 'unknown'}, not ed25519`);
    return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
  } catch (cause) {
    throw catalogueErrors.make('CATALOGUE_KEY_INVALID', `image-signing key ${keyPath}: ${(cause as Error).message}`, { cause });
  }
}

/** The statement a signature covers: what the image is, not where it lies or its state. */
export function signedStatement(img: Pick<StoredImage, 'id' | 'name' | 'version' | 'sha256' | 'artefacts'>): Buffer {
  return Buffer.from(canonicalJson({ schema: 'bootmedic/image-statement/v1', id: img.id, name: img.name, version: img.version, sha256: img.sha256, artefacts: img.artefacts }));
}

/** Signs an image's statement with Ed25519 (RFC 8032; node:crypto takes no digest for it). */
export function signImageStatement(img: StoredImage, key: { privateKey: KeyObject; publicKeyPem: string }): ImageSignature {
  return { alg: 'ed25519', publicKey: key.publicKeyPem, value: sign(null, signedStatement(img), key.privateKey).toString('base64'), signedAt: new Date().toISOString() };
}

/**
 * Checks an image's stored signature against its statement and, when given, the trusted
 * public key (PEM). Returns the reason it fails, or undefined when it is valid.
 */
export function signatureProblem(img: StoredImage, trustedPublicKeyPem?: string): string | undefined {
  const s = img.signature;
  if (s === undefined) return 'unsigned';
  if (trustedPublicKeyPem !== undefined && s.publicKey.trim() !== trustedPublicKeyPem.trim()) return 'signed by a key that is not the trusted image-signing key';
  try {
    return verify(null, signedStatement(img), createPublicKey(s.publicKey), Buffer.from(s.value, 'base64')) ? undefined : 'signature does not match the catalogue entry';
  } catch (e) {
    return `signature unreadable: ${(e as Error).message}`;
  }
}

/** The trusted public key: `<home>/keys/image-signing.key.pub`, if one was generated. */
export function trustedPublicKey(home: string): string | undefined {
  const p = `${defaultKeyPath(home)}.pub`;
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}
