// The dashboard's in-browser ledger check (web/src/verify.ts, WebCrypto only) against
// inclusion proofs and signed checkpoints of a real ledger, sent in both encodings the API
// may use (hex and base64), and against tampered proofs, roots, signatures and keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openLedger, decodeEntry, type Ledger } from '../src/ledger/index.ts';
import { tempHome, fixedNow, fill } from '../testkit/index.ts';
import { checkInclusion, canonicalJson, decodeHash, parseCheckpointNote, type ProofInput } from '../web/index.ts';

let t: { home: string; cleanup: () => void };
let ledger: Ledger;

before(async () => {
  t = tempHome();
  ledger = await openLedger({ home: t.home, origin: 'test.bootmedic.local/ledger', now: fixedNow });
  await fill(ledger, 13, 5);
});
after(async () => {
  await ledger.close();
  t.cleanup();
});

function proofOf(index: number, enc: 'hex' | 'base64'): ProofInput {
  const p = ledger.inclusionProof(index);
  return { index, size: p.size, leafHash: p.leafHash.toString(enc), proof: p.proof.map((h) => h.toString(enc)), checkpoint: ledger.checkpoint() };
}

test('every entry of a 13-entry log verifies against the signed checkpoint, hex and base64 alike', async () => {
  for (let i = 0; i < 13; i++) {
    for (const enc of ['hex', 'base64'] as const) {
      const r = await checkInclusion(proofOf(i, enc), ledger.verifier.vkey, ledger.entry(i));
      assert.equal(r.inclusion.ok, true, `entry ${i} (${enc}): ${r.inclusion.reason}`);
      assert.equal(r.signature.status, 'verified', `entry ${i}: ${r.signature.reason}`);
      assert.equal(r.leafMatchesEntry, true);
      assert.equal(r.checkpoint?.size, 13);
      assert.equal(r.checkpoint?.root, ledger.rootAt().toString('hex'));
    }
  }
});

test('the entry re-encoded as canonical JSON gives the bytes the ledger hashed', () => {
  const bytes = ledger.entry(4);
  const e = decodeEntry(bytes)!;
  assert.equal(canonicalJson(e), bytes.toString('utf8'));
});

test('a changed proof hash, leaf or entry fails the inclusion check and says why', async () => {
  const good = proofOf(6, 'hex');
  const flip = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
  const badPath = await checkInclusion({ ...good, proof: [flip(good.proof[0]!), ...good.proof.slice(1)] }, ledger.verifier.vkey);
  assert.equal(badPath.inclusion.ok, false);
  assert.match(badPath.inclusion.reason!, /differs from the checkpoint root/);
  const badLeaf = await checkInclusion({ ...good, leafHash: flip(good.leafHash) }, ledger.verifier.vkey);
  assert.equal(badLeaf.inclusion.ok, false);
  const otherEntry = await checkInclusion(good, ledger.verifier.vkey, ledger.entry(7));
  assert.equal(otherEntry.leafMatchesEntry, false);
  assert.equal(otherEntry.inclusion.ok, false);
  const short = await checkInclusion({ ...good, proof: good.proof.slice(1) }, ledger.verifier.vkey);
  assert.match(short.inclusion.reason!, /shorter|differs/);
  const wrongSize = await checkInclusion({ ...good, size: 12 }, ledger.verifier.vkey);
  assert.match(wrongSize.inclusion.reason!, /tree size 12, the checkpoint for 13/);
  // The signature still verifies: only the proof is wrong.
  assert.equal(badPath.signature.status, 'verified');
});

test('a forged checkpoint root or a wrong key fails the signature check', async () => {
  const good = proofOf(2, 'base64');
  const lines = good.checkpoint.split('\n');
  const forgedRoot = Buffer.alloc(32, 7).toString('base64');
  const forged = [lines[0], lines[1], forgedRoot, ...lines.slice(3)].join('\n');
  const r = await checkInclusion({ ...good, checkpoint: forged }, ledger.verifier.vkey);
  assert.equal(r.signature.status, 'failed');
  assert.equal(r.inclusion.ok, false);

  const other = tempHome();
  const ledger2 = await openLedger({ home: other.home, origin: 'test.bootmedic.local/ledger', now: fixedNow });
  try {
    const r2 = await checkInclusion(good, ledger2.verifier.vkey);
    assert.equal(r2.signature.status, 'missing', 'a different key of the same name has another key id');
    assert.equal(r2.inclusion.ok, true);
    // The key's base64 may itself hold '+': only the name and the key id are cut off.
    const [, name, b64] = /^([^+]+)\+[0-9a-f]{8}\+(.+)$/.exec(ledger.verifier.vkey.trim())!;
    const r3 = await checkInclusion(good, `${name}+00000000+${b64}`);
    assert.equal(r3.signature.status, 'failed');
    assert.match(r3.signature.reason!, /key id 00000000 does not match/);
  } finally {
    await ledger2.close();
    other.cleanup();
  }
});

test('hashes that are neither hex nor base64 of 32 bytes, and malformed checkpoints, are refused by name', async () => {
  assert.throws(() => decodeHash('abc', 'leaf hash'), /leaf hash "abc" is neither 64 hex digits nor base64 of 32 bytes/);
  assert.deepEqual(decodeHash(Buffer.alloc(32, 255).toString('base64url')), new Uint8Array(32).fill(255));
  assert.throws(() => parseCheckpointNote('origin\n12\nroot\n'), /no blank line/);
  assert.throws(() => parseCheckpointNote('origin\nten\nAAAA\n\n'), /size "ten" is not a decimal number/);
  const r = await checkInclusion({ ...proofOf(0, 'hex'), checkpoint: 'nonsense' }, ledger.verifier.vkey);
  assert.equal(r.inclusion.ok, false);
  assert.match(r.inclusion.reason!, /checkpoint: no blank line/);
});
