// Checks a ledger entry's inclusion proof in the browser, with WebCrypto only (no server
// code, no Node): RFC 9162 section 2.1.3.2 (root from an inclusion proof, leaf =
// SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right)) against the root of a C2SP
// tlog-checkpoint (origin, size, base64 root), whose C2SP signed-note Ed25519 signature is
// checked against the log's vkey ("<name>+<hex key id>+<base64(0x01 || key)>").
// Mirrors src/ledger/{proof-verify,checkpoint,note,keys}.ts; test/dashboard-verify.test.ts
// runs it against proofs of a real ledger.

const HASH_SIZE = 32;
const SIG_ED25519 = 0x01;
const DASH = '\u2014 ';

export type ParsedCheckpoint = { origin: string; size: number; root: Uint8Array; text: string; signatures: NoteSig[] };
export type NoteSig = { name: string; keyId: Uint8Array; sig: Uint8Array };
export type Vkey = { name: string; keyId: Uint8Array; type: number; key: Uint8Array };

/** The outcome of a full check: each part on its own, so the page can show which failed. */
export type ProofCheck = {
  /** The recomputed root equals the checkpoint's root for the proof's size. */
  inclusion: { ok: boolean; reason?: string; computedRoot?: string };
  /** The checkpoint's Ed25519 signature by the log's key. */
  signature: { status: 'verified' | 'failed' | 'unsupported' | 'missing'; reason?: string };
  checkpoint?: { origin: string; size: number; root: string };
  /** The leaf hash the proof started from (hex). */
  leafHash?: string;
  /** When the entry's own bytes were given: do they hash to the proof's leaf? */
  leafMatchesEntry?: boolean;
};

// Typed through globalThis so the module checks both with the DOM lib (the page) and Node's types (the tests).
type Subtle = typeof globalThis.crypto.subtle;
type Key = Awaited<ReturnType<Subtle['importKey']>>;

const subtle = (): Subtle => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto is not available (the page must be served from http://127.0.0.1, localhost or https)');
  return s;
};

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Standard padded base64 (as C2SP uses), strictly: undefined when it is not. */
export function fromBase64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    return undefined;
  }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * A hash as the API sends it: 64 hex digits, or base64 (standard or URL-safe, padded or
 * not) of 32 bytes. Anything else is an error naming the value.
 */
export function decodeHash(s: string, what = 'hash'): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
  let b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  while (b64.length % 4 !== 0) b64 += '=';
  const b = fromBase64(b64);
  if (b === undefined || b.length !== HASH_SIZE) throw new Error(`${what} ${JSON.stringify(s.slice(0, 80))} is neither 64 hex digits nor base64 of 32 bytes`);
  return b;
}

async function sha256(parts: Uint8Array[]): Promise<Uint8Array> {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  return new Uint8Array(await subtle().digest('SHA-256', buf));
}

/** RFC 9162 leaf hash: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Promise<Uint8Array> {
  return sha256([Uint8Array.of(0), entry]);
}

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256([Uint8Array.of(1), left, right]);
}

/** RFC 9162 section 2.1.3.2: the root from a leaf hash and its path; a string says why it cannot. */
export async function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Promise<Uint8Array | string> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0) return 'index and size must be non-negative integers';
  if (index >= size) return `index ${index} is not below tree size ${size}`;
  if (leaf.length !== HASH_SIZE) return `leaf hash has ${leaf.length} bytes, not ${HASH_SIZE}`;
  if (proof.some((p) => p.length !== HASH_SIZE)) return 'a proof hash is not 32 bytes';
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return 'proof is longer than the tree is deep';
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'proof is shorter than the tree is deep';
  return r;
}

/** Splits a C2SP signed note holding a tlog-checkpoint; malformed text throws, naming the problem. */
export function parseCheckpointNote(note: string): ParsedCheckpoint {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('checkpoint: no blank line between the text and the signatures');
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  if (lines.length < 4) throw new Error('checkpoint: fewer than three lines (origin, size, root)');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '') throw new Error('checkpoint: the origin line is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new Error(`checkpoint: size ${JSON.stringify(sizeText.slice(0, 30))} is not a decimal number`);
  const root = fromBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE) throw new Error('checkpoint: the root line is not base64 of 32 bytes');
  const signatures: NoteSig[] = [];
  for (const line of note.slice(split + 2).split('\n')) {
    if (line === '') continue;
    if (!line.startsWith(DASH)) throw new Error(`checkpoint: signature line does not start with an em dash: ${JSON.stringify(line.slice(0, 40))}`);
    const rest = line.slice(DASH.length);
    const sp = rest.lastIndexOf(' ');
    const raw = sp > 0 ? fromBase64(rest.slice(sp + 1)) : undefined;
    if (raw === undefined || raw.length < 5) throw new Error(`checkpoint: signature line is not "— <name> <base64>": ${JSON.stringify(line.slice(0, 60))}`);
    signatures.push({ name: rest.slice(0, sp), keyId: raw.subarray(0, 4), sig: raw.subarray(4) });
  }
  return { origin, size: Number(sizeText), root, text, signatures };
}

/** Parses a C2SP vkey and checks its key ID (SHA-256(name || 0x0A || type || key)[:4]). */
export async function parseVkey(vkey: string): Promise<Vkey> {
  const text = vkey.trim();
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text);
  if (m === null) throw new Error(`public key ${JSON.stringify(text.slice(0, 80))} is not "<name>+<8 hex key id>+<base64 key>"`);
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  const material = fromBase64(b64);
  if (material === undefined || material.length < 2) throw new Error('public key: the key is not base64');
  const type = material[0]!;
  const key = material.subarray(1);
  const enc = new TextEncoder();
  const id = (await sha256([enc.encode(name), Uint8Array.of(0x0a, type), key])).subarray(0, 4);
  if (toHex(id) !== idHex) throw new Error(`public key ${name}: key id ${idHex} does not match the key (${toHex(id)})`);
  return { name, keyId: id, type, key };
}

/** Verifies the checkpoint's signature by `vkey` with WebCrypto Ed25519. */
export async function verifyNoteSignature(cp: ParsedCheckpoint, vkey: Vkey): Promise<ProofCheck['signature']> {
  if (vkey.type !== SIG_ED25519 || vkey.key.length !== 32) return { status: 'unsupported', reason: `key type ${vkey.type} is not Ed25519` };
  const sig = cp.signatures.find((s) => s.name === vkey.name && toHex(s.keyId) === toHex(vkey.keyId));
  if (sig === undefined) return { status: 'missing', reason: `no signature by ${vkey.name}+${toHex(vkey.keyId)} on the checkpoint` };
  if (sig.sig.length !== 64) return { status: 'failed', reason: `signature has ${sig.sig.length} bytes, not 64` };
  let key: Key;
  try {
    key = await subtle().importKey('raw', vkey.key as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    return { status: 'unsupported', reason: `this browser has no WebCrypto Ed25519 (${(e as Error).message})` };
  }
  const ok = await subtle().verify({ name: 'Ed25519' }, key, sig.sig as Uint8Array<ArrayBuffer>, new TextEncoder().encode(cp.text));
  return ok ? { status: 'verified' } : { status: 'failed', reason: 'the Ed25519 signature does not verify over the checkpoint text' };
}

/** JSON with sorted keys and no white space: the bytes the ledger hashed (src/core/canonical-json.ts). */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`non-finite number ${value}`);
  return JSON.stringify(value);
}

export type ProofInput = { index: number; size: number; leafHash: string; proof: readonly string[]; checkpoint: string };

/**
 * The whole check of one entry: the proof's path leads from its leaf to the root the
 * signed checkpoint names (for the same size), and that checkpoint is signed by the log's
 * key. `entryBytes`, when given, must hash to the proof's leaf.
 */
export async function checkInclusion(p: ProofInput, publicKey: string, entryBytes?: Uint8Array): Promise<ProofCheck> {
  const out: ProofCheck = { inclusion: { ok: false }, signature: { status: 'missing' } };
  let cp: ParsedCheckpoint;
  try {
    cp = parseCheckpointNote(p.checkpoint);
  } catch (e) {
    out.inclusion.reason = (e as Error).message;
    return out;
  }
  out.checkpoint = { origin: cp.origin, size: cp.size, root: toHex(cp.root) };
  try {
    out.signature = await verifyNoteSignature(cp, await parseVkey(publicKey));
  } catch (e) {
    out.signature = { status: 'failed', reason: (e as Error).message };
  }
  try {
    const leaf = decodeHash(p.leafHash, 'leaf hash');
    out.leafHash = toHex(leaf);
    if (entryBytes !== undefined) out.leafMatchesEntry = toHex(await leafHash(entryBytes)) === out.leafHash;
    const path = p.proof.map((h, i) => decodeHash(h, `proof hash ${i}`));
    if (p.size !== cp.size) {
      out.inclusion.reason = `the proof is for tree size ${p.size}, the checkpoint for ${cp.size}`;
      return out;
    }
    const root = await rootFromInclusionProof(p.index, p.size, leaf, path);
    if (typeof root === 'string') {
      out.inclusion.reason = root;
      return out;
    }
    out.inclusion.computedRoot = toHex(root);
    out.inclusion.ok = toHex(root) === toHex(cp.root);
    if (!out.inclusion.ok) out.inclusion.reason = 'the recomputed root differs from the checkpoint root';
    if (out.leafMatchesEntry === false) {
      out.inclusion.ok = false;
      out.inclusion.reason = "the entry's bytes do not hash to the proof's leaf";
    }
  } catch (e) {
    out.inclusion.reason = (e as Error).message;
  }
  return out;
}
