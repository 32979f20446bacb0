// C2SP signed-note keys: verifier keys "<name>+<hex key ID>+<base64(type || key)>" and the
// golang.org/x/mod/sumdb/note private-key form "PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>".
import { createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ledgerErrors } from './errors.ts';
import { sha256 } from './hash.ts';

/** Signature types of C2SP signed-note (the first byte of a vkey's key material). */
export const SIG_TYPE = Object.freeze({ ed25519: 0x01, ecdsa: 0x02, cosignatureV1: 0x04, rfc6962: 0x05 });

/** A public key that can check signature lines of a note. */
export type Verifier = Readonly<{
  name: string;
  keyId: Buffer;
  type: number;
  /** The vkey text this verifier was parsed from or made into. */
  vkey: string;
  /** Checks the signature bytes after the 4-byte key ID against the note text. */
  verify(text: Buffer, sig: Buffer): boolean;
}>;

/** A private key that signs notes. */
export type Signer = Readonly<{
  name: string;
  keyId: Buffer;
  type: number;
  vkey: string;
  /**
   * Signature bytes (without key ID) over the note text. A cosignature/v1 key signs
   * "cosignature/v1\ntime <time>\n" + text and prefixes the 8-byte big-endian time.
   */
  sign(text: Buffer, time?: number): Buffer;
}>;

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** Decodes standard padded base64, refusing anything that does not re-encode identically. */
export function decodeBase64Strict(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

/** A key name per C2SP signed-note: non-empty, no white space, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/\p{Cc}/u.test(name);
}

/** Key ID of a named key: SHA-256(name || 0x0A || type || key)[:4]. */
export function keyIdFor(name: string, type: number, key: Uint8Array): Buffer {
  return sha256(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.of(0x0a, type), key])).subarray(0, 4);
}

function ed25519Public(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

function vkeyText(name: string, keyId: Buffer, material: Buffer): string {
  return `${name}+${keyId.toString('hex')}+${material.toString('base64')}`;
}

/** Parses a C2SP vkey; a malformed key or a key ID that does not match throws LEDGER_BAD_VKEY. */
export function parseVkey(vkey: string): Verifier {
  // Only the one newline a key file ends with is dropped: any other byte is significant.
  const text = vkey.endsWith('\n') ? vkey.slice(0, -1) : vkey;
  const bad = (why: string) => ledgerErrors.make('LEDGER_BAD_VKEY', `verifier key ${JSON.stringify(text.slice(0, 80))}: ${why}`);
  // The key name holds no '+', the key ID is 8 hex digits; base64 may hold '+'.
  const m = /^([^+]+)\+([^+]*)\+(.*)$/s.exec(text);
  if (m === null) throw bad('expected <name>+<key id>+<key>');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  if (!isValidKeyName(name)) throw bad('bad key name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw bad('key id is not 8 lowercase hex digits');
  const material = decodeBase64Strict(b64);
  if (material === undefined || material.length < 2) throw bad('key is not base64');
  const type = material[0]!;
  const key = material.subarray(1);
  let keyId: Buffer;
  let check: (text: Buffer, sig: Buffer) => boolean;
  switch (type) {
    case SIG_TYPE.ed25519:
    case SIG_TYPE.cosignatureV1: {
      if (key.length !== 32) throw bad(`Ed25519 key has ${key.length} bytes, not 32`);
      keyId = keyIdFor(name, type, key);
      const pub = ed25519Public(key);
      check =
        type === SIG_TYPE.ed25519
          ? (t, sig) => sig.length === 64 && cryptoVerify(null, t, pub, sig)
          : (t, sig) => {
              // C2SP tlog-cosignature: 8-byte big-endian timestamp, then the Ed25519 signature
              // over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint text.
              if (sig.length !== 72) return false;
              const msg = Buffer.concat([Buffer.from(`cosignature/v1\ntime ${sig.readBigUInt64BE(0)}\n`), t]);
              return cryptoVerify(null, msg, pub, sig.subarray(8));
            };
      break;
    }
    case SIG_TYPE.ecdsa: {
      // ECDSA notes (Rekor v1 and friends): key ID = SHA-256(DER SPKI)[:4], no name.
      keyId = sha256(key).subarray(0, 4);
      let pub: KeyObject;
      try {
        pub = createPublicKey({ key, format: 'der', type: 'spki' });
      } catch {
        throw bad('ECDSA key is not a DER SubjectPublicKeyInfo');
      }
      check = (t, sig) => {
        try {
          return cryptoVerify('sha256', t, pub, sig);
        } catch {
          return false;
        }
      };
      break;
    }
    case SIG_TYPE.rfc6962: {
      keyId = keyIdFor(name, type, sha256(key));
      check = () => {
        throw ledgerErrors.make('LEDGER_UNSUPPORTED_KEY', `key ${name}: RFC 6962 note signatures (type 0x05) are not verified here`);
      };
      break;
    }
    default:
      throw bad(`unknown signature type 0x${type.toString(16).padStart(2, '0')}`);
  }
  if (keyId.toString('hex') !== idHex) throw bad(`key id ${idHex} does not match the key (expected ${keyId.toString('hex')})`);
  return Object.freeze({ name, keyId, type, vkey: text, verify: check });
}

/** Parses a private key "PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>" (Ed25519 or cosignature). */
export function parseSkey(skey: string): Signer {
  const text = skey.endsWith('\n') ? skey.slice(0, -1) : skey;
  const bad = (why: string) => ledgerErrors.make('LEDGER_BAD_KEY', `signing key: ${why}`);
  const m = /^PRIVATE\+KEY\+([^+]+)\+([^+]*)\+(.*)$/s.exec(text);
  if (m === null) throw bad('expected PRIVATE+KEY+<name>+<key id>+<key>');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  if (!isValidKeyName(name)) throw bad('bad key name');
  const material = decodeBase64Strict(b64);
  if (material === undefined || material.length !== 33) throw bad('key is not base64 of 33 bytes');
  const type = material[0]!;
  if (type !== SIG_TYPE.ed25519 && type !== SIG_TYPE.cosignatureV1) throw bad(`unsupported key type 0x${type.toString(16)}`);
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, material.subarray(1)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
  const keyId = keyIdFor(name, type, pub);
  if (keyId.toString('hex') !== idHex) throw bad(`key id ${idHex} does not match the key`);
  const vkey = vkeyText(name, keyId, Buffer.concat([Buffer.of(type), pub]));
  const sign =
    type === SIG_TYPE.ed25519
      ? (t: Buffer) => cryptoSign(null, t, priv)
      : (t: Buffer, time = 0) => {
          const ts = Buffer.alloc(8);
          ts.writeBigUInt64BE(BigInt(time));
          return Buffer.concat([ts, cryptoSign(null, Buffer.concat([Buffer.from(`cosignature/v1\ntime ${time}\n`), t]), priv)]);
        };
  return Object.freeze({ name, keyId, type, vkey, sign });
}

/** Makes a private key from a 32-byte seed (deterministic; tests use published seeds). */
export function skeyFromSeed(name: string, seed: Uint8Array, type: number = SIG_TYPE.ed25519): string {
  if (!isValidKeyName(name)) throw ledgerErrors.make('LEDGER_BAD_KEY', `key name ${JSON.stringify(name)}: must be non-empty without spaces or '+'`);
  if (seed.length !== 32) throw ledgerErrors.make('LEDGER_BAD_KEY', 'an Ed25519 seed has 32 bytes');
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
  return `PRIVATE+KEY+${name}+${keyIdFor(name, type, pub).toString('hex')}+${Buffer.concat([Buffer.of(type), seed]).toString('base64')}`;
}

/** Generates a fresh private key for `name` (Ed25519 log key, or a cosignature/v1 witness key). */
export function generateSkey(name: string, type: number = SIG_TYPE.ed25519): string {
  return skeyFromSeed(name, randomBytes(32), type);
}

/** The vkey of a raw Ed25519 public key (for keys published as SPKI, e.g. Rekor v2). */
export function vkeyFromEd25519(name: string, pub: Uint8Array, type: number = SIG_TYPE.ed25519): string {
  return vkeyText(name, keyIdFor(name, type, pub), Buffer.concat([Buffer.of(type), pub]));
}
