// Every public vector in ../shared/vectors/merkle must pass (see its SOURCE.md for formats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath, skipWithout } from '../../testkit/index.ts';
import { parseCheckpoint, parseCheckpointBody } from './checkpoint.ts';
import { EMPTY_ROOT, leafHash, nodeHash } from './hash.ts';
import { decodeBase64Strict, parseSkey, parseVkey, skeyFromSeed, SIG_TYPE, vkeyFromEd25519 } from './keys.ts';
import { openNote, parseNote, signatureLine, signNote } from './note.ts';
import { buildConsistencyProof, buildInclusionProof, rangeHash } from './proofs.ts';
import { verifyConsistency, verifyInclusion } from './proof-verify.ts';
import { encodeBundle, encodeTileIndex, tilePath, tileSet } from './tiles.ts';
import { TreeBuilder, type NodeReader } from './tree-builder.ts';
import { formatTlogProof, verifyTlogProof } from './tlog-proof.ts';

const dir = sharedPath('vectors', 'merkle');
const skip = skipWithout(dir, 'vectors/merkle');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(dir!, name), 'utf8')) as T;
const hex = (s: string) => Buffer.from(s, 'hex');
const b64 = (s: string | null) => Buffer.from(s ?? '', 'base64');

/** An in-memory tree with a node reader over all its chunks. */
function memoryTree(leaves: readonly Uint8Array[]): { tree: TreeBuilder; read: NodeReader } {
  const full = new Map<string, Buffer>();
  const tree = new TreeBuilder();
  for (const l of leaves) tree.add(leafHash(l), (level, chunk, hashes) => full.set(`${level}/${chunk}`, hashes));
  const read: NodeReader = (level, index) => {
    const mem = tree.current(level, index);
    if (mem !== undefined) return mem;
    const c = full.get(`${level}/${Math.floor(index / 256)}`);
    if (c === undefined) throw new Error(`no node ${level}/${index}`);
    return c.subarray((index % 256) * 32, (index % 256) * 32 + 32);
  };
  return { tree, read };
}

function files(root: string): string[] {
  return readdirSync(root).flatMap((n) => (statSync(join(root, n)).isDirectory() ? files(join(root, n)) : [join(root, n)]));
}

test('transparency-dev inclusion probes: accept exactly the valid ones', { skip }, () => {
  const all = files(join(dir!, 'transparency-dev-merkle', 'testdata', 'inclusion'));
  assert.equal(all.length, 98);
  let valid = 0;
  for (const f of all) {
    const v = JSON.parse(readFileSync(f, 'utf8')) as { leafIdx: number; treeSize: number; root: string | null; leafHash: string | null; proof: string[] | null; wantErr: boolean; desc: string };
    const why = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
    assert.equal(why !== null, v.wantErr, `${f}: ${v.desc}: ${why}`);
    if (why === null) valid++;
  }
  assert.equal(valid, 6);
});

test('transparency-dev consistency probes: accept exactly the valid ones', { skip }, () => {
  const all = files(join(dir!, 'transparency-dev-merkle', 'testdata', 'consistency'));
  assert.equal(all.length, 98);
  let valid = 0;
  for (const f of all) {
    const v = JSON.parse(readFileSync(f, 'utf8')) as { size1: number; size2: number; root1: string | null; root2: string | null; proof: string[] | null; wantErr: boolean; desc: string };
    const why = verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
    assert.equal(why !== null, v.wantErr, `${f}: ${v.desc}: ${why}`);
    if (why === null) valid++;
  }
  assert.equal(valid, 6);
});

type RefTree = {
  hasher_vectors: Array<{ id: string; op: string; input_hex?: string; left_hex?: string; right_hex?: string; output_hex: string }>;
  reference_tree: { leaves_hex: string[]; node_hashes_by_level: string[][]; roots_by_size: string[] };
  inclusion_proofs: Array<{ leaf_index: number; tree_size: number; leaf_hash_hex: string; root_hex: string; proof_hex: string[] }>;
  consistency_proofs: Array<{ size1: number; size2: number; root1_hex: string; root2_hex: string; proof_hex: string[] }>;
  invalid_requests: Array<{ kind: string; leaf_index?: number; tree_size?: number; size1?: number; size2?: number; proof_hex?: string[] }>;
};

test('RFC 6962 reference tree: hasher, nodes, roots, proofs built and verified', { skip }, () => {
  const v = load<RefTree>('rfc6962-reference-tree.json');
  for (const h of v.hasher_vectors) {
    const out = h.op === 'empty' ? EMPTY_ROOT : h.op === 'leaf' ? leafHash(hex(h.input_hex!)) : nodeHash(hex(h.left_hex!), hex(h.right_hex!));
    assert.equal(out.toString('hex'), h.output_hex, h.id);
  }
  const leaves = v.reference_tree.leaves_hex.map(hex);
  const { read } = memoryTree(leaves);
  v.reference_tree.node_hashes_by_level.forEach((level, l) => level.forEach((h, i) => assert.equal(read(l, i).toString('hex'), h, `node ${l}/${i}`)));
  v.reference_tree.roots_by_size.forEach((r, n) => {
    assert.equal(memoryTree(leaves.slice(0, n)).tree.root().toString('hex'), r, `root ${n}`);
    assert.equal(rangeHash(read, 0, n).toString('hex'), r, `rangeHash ${n}`);
  });
  for (const p of v.inclusion_proofs) {
    assert.deepEqual(buildInclusionProof(read, p.leaf_index, p.tree_size).map((b) => b.toString('hex')), p.proof_hex);
    assert.equal(verifyInclusion(p.leaf_index, p.tree_size, hex(p.leaf_hash_hex), p.proof_hex.map(hex), hex(p.root_hex)), null);
  }
  for (const p of v.consistency_proofs) {
    assert.deepEqual(buildConsistencyProof(read, p.size1, p.size2).map((b) => b.toString('hex')), p.proof_hex);
    assert.equal(verifyConsistency(p.size1, p.size2, p.proof_hex.map(hex), hex(p.root1_hex), hex(p.root2_hex)), null);
  }
  const anyHash = hex(v.reference_tree.roots_by_size[1]!);
  for (const r of v.invalid_requests) {
    const why =
      r.kind === 'inclusion'
        ? verifyInclusion(r.leaf_index!, r.tree_size!, anyHash, [], anyHash)
        : verifyConsistency(r.size1!, r.size2!, (r.proof_hex ?? []).map(hex), anyHash, anyHash);
    assert.notEqual(why, null, JSON.stringify(r));
  }
});

type Accumulated = { published: Array<{ id: string; sha256: string }>; derived: Array<{ id: string; sha256: string }>; samples: { roots_hex: Record<string, string> } };

test('accumulated digests over every root and proof of trees up to 130 leaves', { skip }, () => {
  const v = load<Accumulated>('accumulated-vectors.json');
  const leaves = Array.from({ length: 130 }, (_, i) => Buffer.of(i));
  const { read } = memoryTree(leaves);
  const bitCeil = (n: number) => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));
  const valid = (s: number, e: number) => s === 0 || s === e || s % bitCeil(e - s) === 0;
  const digest = (lines: () => Iterable<string>) => {
    const h = createHash('sha256');
    for (const l of lines()) h.update(l);
    return h.digest('hex');
  };
  const proofText = (p: Buffer[]) => `${p.map((x) => ` ${x.toString('hex')}`).join('')}\n`;
  const want = (id: string) => [...v.published, ...v.derived].find((x) => x.id === id)!.sha256;

  assert.equal(
    digest(function* () {
      for (let end = 0; end <= 130; end++) for (let start = 0; start <= end; start++) if (valid(start, end)) yield `[${start}, ${end}) ${rangeHash(read, start, end).toString('hex')}\n`;
    }),
    want('subtree_hash'),
  );
  assert.equal(
    digest(function* () {
      for (let end = 0; end <= 130; end++)
        for (let start = 0; start <= end; start++) if (valid(start, end)) for (let i = start; i < end; i++) yield `${i} [${start}, ${end})${proofText(buildInclusionProof(read, i, end, start))}`;
    }),
    want('subtree_inclusion'),
  );
  assert.equal(
    digest(function* () {
      for (let n = 0; n <= 130; n++) yield `${n} ${rangeHash(read, 0, n).toString('hex')}\n`;
    }),
    want('rfc_roots'),
  );
  assert.equal(
    digest(function* () {
      for (let n = 1; n <= 130; n++) for (let i = 0; i < n; i++) yield `${i} ${n}${proofText(buildInclusionProof(read, i, n))}`;
    }),
    want('rfc_inclusion'),
  );
  assert.equal(
    digest(function* () {
      for (let n = 1; n <= 130; n++) for (let m = 1; m <= n; m++) yield `${m} ${n}${proofText(buildConsistencyProof(read, m, n))}`;
    }),
    want('rfc_consistency'),
  );
  for (const [n, r] of Object.entries(v.samples.roots_hex)) assert.equal(memoryTree(leaves.slice(0, Number(n))).tree.root().toString('hex'), r);
  // Every generated proof of every size verifies (and a wrong root does not).
  for (let n = 1; n <= 130; n += 7) {
    const root = rangeHash(read, 0, n);
    for (let m = 1; m <= n; m++) {
      assert.equal(verifyInclusion(m - 1, n, read(0, m - 1), buildInclusionProof(read, m - 1, n), root), null);
      assert.equal(verifyConsistency(m, n, buildConsistencyProof(read, m, n), rangeHash(read, 0, m), root), null);
    }
  }
});

type NoteVectors = {
  vkey_key_id_vectors: Array<{ vkey: string; type: number; skey?: string }>;
  vkey_invalid: Array<{ vkey: string; why: string }>;
  notes: Array<{ id: string; vkey?: string; vkeys?: string[]; skey?: string; text?: string; key_name?: string; vkey_pem_spki_b64?: string; signed_note: string; leaf_entry_b64?: string }>;
  cosignature_signature_decodes: Array<{ signature_b64: string; key_id_hex: string; timestamp: number }>;
};

test('signed notes: key IDs, invalid keys, every note verifies, deterministic re-signing', { skip }, () => {
  const v = load<NoteVectors>('signed-note-vectors.json');
  for (const k of v.vkey_key_id_vectors) {
    const parsed = parseVkey(k.vkey);
    assert.equal(parsed.type, k.type, k.vkey);
    if (k.skey !== undefined) assert.equal(parseSkey(k.skey).vkey, k.vkey);
  }
  for (const k of v.vkey_invalid) assert.throws(() => parseVkey(k.vkey), { code: 'LEDGER_BAD_VKEY' }, k.why);
  for (const n of v.notes) {
    const vkeys = n.vkeys ?? (n.vkey !== undefined ? [n.vkey] : [vkeyFromEd25519(n.key_name!, b64(n.vkey_pem_spki_b64!).subarray(-32))]);
    const verifiers = vkeys.map(parseVkey);
    const opened = openNote(n.signed_note, verifiers);
    assert.equal(opened.verifiedBy.length, verifiers.length, n.id);
    if (n.skey !== undefined) assert.equal(signNote(n.text!, [parseSkey(n.skey)]), n.signed_note, n.id);
    if (n.leaf_entry_b64 !== undefined) assert.deepEqual(parseCheckpoint(opened.text).root, leafHash(b64(n.leaf_entry_b64)));
    // One flipped bit in the text must be caught by every trusted key.
    const tampered = n.signed_note.replace(/\n/, ' \n');
    assert.throws(() => openNote(tampered, verifiers), { code: 'LEDGER_BAD_SIGNATURE' }, n.id);
  }
  const two = v.notes.find((n) => n.id === 'go-note-two-signers')!;
  assert.equal(openNote(two.signed_note, [parseVkey(two.vkeys![0]!)]).verifiedBy.length, 1);
  assert.throws(() => openNote(two.signed_note, []), { code: 'LEDGER_NO_SIGNATURE' });
  for (const c of v.cosignature_signature_decodes) {
    const raw = b64(c.signature_b64);
    assert.equal(raw.subarray(0, 4).toString('hex'), c.key_id_hex);
    assert.equal(Number(raw.readBigUInt64BE(4)), c.timestamp);
    assert.equal(raw.length, 76);
  }
});

type CheckpointVectors = {
  body_parse_vectors: Array<{ desc: string; body: string; want?: { origin: string; size: number; hash_hex: string; rest: string }; want_error?: boolean; c2sp_strict?: string }>;
  format_examples: Array<{ id: string; signed_note?: string; body?: string }>;
  derived_test_log: {
    log: { name: string; ed25519_seed_hex: string; vkey: string };
    witness: { name: string; ed25519_seed_hex: string; vkey: string };
    checkpoints: Record<string, { note_text: string; signed_note: string }>;
    cosignature_on_checkpoint_8: { timestamp: number; signature_line: string; cosigned_checkpoint: string };
    negative: Record<string, { signed_note: string; expect: string }>;
    tlog_proof_leaf5_in_8: { leaf_data_hex: string; text: string };
  };
};

test('checkpoint bodies, the derived signed test log, its cosignature and negative cases', { skip }, () => {
  const v = load<CheckpointVectors>('checkpoint-vectors.json');
  for (const b of v.body_parse_vectors) {
    if (b.want_error === true) {
      assert.throws(() => parseCheckpointBody(b.body), { code: 'LEDGER_BAD_CHECKPOINT' }, b.desc);
      continue;
    }
    const got = parseCheckpointBody(b.body);
    assert.deepEqual({ origin: got.origin, size: Number(got.size), hash_hex: got.root.toString('hex'), rest: got.rest }, b.want, b.desc);
    // Our own strict reading wants 32-byte roots and non-empty extension lines.
    if (b.c2sp_strict !== undefined || got.root.length !== 32) assert.throws(() => parseCheckpoint(b.body), { code: 'LEDGER_BAD_CHECKPOINT' }, b.desc);
  }
  for (const ex of v.format_examples) if (ex.signed_note !== undefined) assert.equal(parseCheckpoint(parseNote(ex.signed_note).text).size, 20852163);
  const t = v.derived_test_log;
  const logSkey = skeyFromSeed(t.log.name, hex(t.log.ed25519_seed_hex));
  const witSkey = skeyFromSeed(t.witness.name, hex(t.witness.ed25519_seed_hex), SIG_TYPE.cosignatureV1);
  assert.equal(parseSkey(logSkey).vkey, t.log.vkey);
  assert.equal(parseSkey(witSkey).vkey, t.witness.vkey);
  const ref = load<RefTree>('rfc6962-reference-tree.json');
  for (const [size, c] of Object.entries(t.checkpoints)) {
    assert.equal(signNote(c.note_text, [parseSkey(logSkey)]), c.signed_note);
    const cp = parseCheckpoint(openNote(c.signed_note, [parseVkey(t.log.vkey)]).text);
    assert.equal(cp.root.toString('hex'), ref.reference_tree.roots_by_size[Number(size)]);
  }
  const cos = t.cosignature_on_checkpoint_8;
  assert.equal(signatureLine(t.checkpoints['8']!.note_text, parseSkey(witSkey), cos.timestamp), cos.signature_line);
  assert.equal(openNote(cos.cosigned_checkpoint, [parseVkey(t.log.vkey), parseVkey(t.witness.vkey)]).verifiedBy.length, 2);
  const verifiers = [parseVkey(t.log.vkey)];
  assert.throws(() => openNote(t.negative['tampered_size']!.signed_note, verifiers), { code: 'LEDGER_BAD_SIGNATURE' });
  assert.throws(() => openNote(t.negative['bit_flipped_signature']!.signed_note, verifiers), { code: 'LEDGER_BAD_SIGNATURE' });
  assert.throws(() => openNote(t.negative['unknown_key_id_only']!.signed_note, verifiers), { code: 'LEDGER_NO_SIGNATURE' });
  assert.throws(() => openNote(t.negative['missing_blank_line']!.signed_note, verifiers), { code: 'LEDGER_BAD_NOTE' });
  const ext = parseCheckpoint(openNote(t.negative['extension_line_signed']!.signed_note, verifiers).text);
  assert.equal(ext.extensions, 'ext\n');
  assert.equal(decodeBase64Strict('YQ='), undefined);
  // c2sp.org/tlog-proof: leaf 5 of the reference tree with the cosigned checkpoint.
  const tp = t.tlog_proof_leaf5_in_8;
  const refProof = ref.inclusion_proofs.find((p) => p.leaf_index === 5 && p.tree_size === 8)!;
  assert.equal(formatTlogProof(5, refProof.proof_hex.map(hex), cos.cosigned_checkpoint), tp.text);
  assert.deepEqual(verifyTlogProof(tp.text, hex(tp.leaf_data_hex), parseVkey(t.log.vkey), [parseVkey(t.witness.vkey)]), { index: 5, size: 8 });
  assert.throws(() => verifyTlogProof(tp.text, hex('40414244'), parseVkey(t.log.vkey)), { code: 'LEDGER_BAD_PROOF' });
  assert.throws(() => verifyTlogProof(tp.text.replace('index 5', 'index 4'), hex(tp.leaf_data_hex), parseVkey(t.log.vkey)), { code: 'LEDGER_BAD_PROOF' });
});

type TileVectors = {
  path_encoding: Record<string, string>;
  tile_sets: Record<string, Array<{ level: number; full_tiles: number; partial_width: number | null; paths_sample: string[] }>>;
  reference_tree_8: Record<string, string>;
  tree_300_u16be: Record<string, string | number>;
};

test('tile paths, tile sets, tile and bundle bytes', { skip }, () => {
  const v = load<TileVectors>('tlog-tiles-vectors.json');
  for (const [n, p] of Object.entries(v.path_encoding)) assert.equal(encodeTileIndex(Number(n)), p);
  for (const [size, levels] of Object.entries(v.tile_sets)) {
    assert.deepEqual(
      tileSet(Number(size)).map((l) => ({ level: l.level, full: l.fullTiles, partial: l.partialWidth || null })),
      levels.map((l) => ({ level: l.level, full: l.full_tiles, partial: l.partial_width })),
      `size ${size}`,
    );
    for (const l of levels) {
      for (const p of l.paths_sample) {
        const m = /^tile\/(\d+)\/([x0-9/]+?)(?:\.p\/(\d+))?$/.exec(p)!;
        const idx = Number(m[2]!.replace(/x/g, '').replace(/\//g, ''));
        assert.equal(tilePath(Number(m[1]), idx, m[3] === undefined ? 256 : Number(m[3])), p);
      }
    }
  }
  const ref = load<RefTree>('rfc6962-reference-tree.json');
  const leaves = ref.reference_tree.leaves_hex.map(hex);
  const { tree } = memoryTree(leaves);
  assert.equal(tree.partial(0).toString('hex'), v.reference_tree_8['tile/0/000.p/8_hex']);
  assert.equal(encodeBundle(leaves).toString('hex'), v.reference_tree_8['tile/entries/000.p/8_hex']);
  const t300 = Array.from({ length: 300 }, (_, i) => Buffer.of(i >> 8, i & 255));
  const full = new Map<string, Buffer>();
  const big = new TreeBuilder();
  for (const l of t300) big.add(leafHash(l), (level, chunk, h) => full.set(`${level}/${chunk}`, h));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const tv = v.tree_300_u16be;
  assert.equal(big.root().toString('hex'), tv['root_hex']);
  assert.equal(sha(full.get('0/0')!), tv['tile/0/000_sha256']);
  assert.equal(big.partial(0).length, tv['tile/0/001.p/44_len']);
  assert.equal(sha(big.partial(0)), tv['tile/0/001.p/44_sha256']);
  assert.equal(big.partial(8).toString('hex'), tv['tile/1/000.p/1_hex']);
  assert.equal(sha(encodeBundle(t300.slice(0, 256))), tv['entries/000_sha256']);
});
