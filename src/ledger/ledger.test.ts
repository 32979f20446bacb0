import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, readdirSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../core/index.ts';
import { generateSkey, openLedger, openNote, parseCheckpoint, parseSkey, SIG_TYPE, verifyConsistency, verifyExport, verifyInclusion, ENTRY_SCHEMA, ledgerPaths } from './index.ts';
import { fill, fixedNow, tempHome } from '../../testkit/index.ts';

const origin = 'test.bootmedic.local/ledger';

test('appends in one tick share one transaction and one checkpoint; entries are canonical JSON', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const ledger = await openLedger({ home, origin, now: fixedNow });
  const got = await Promise.all([
    ledger.append({ type: 'boot-outcome', vm: 'web1', data: { z: 1, a: { y: 2, b: 3 } } }),
    ledger.append({ type: 'diagnosis', data: { cause: 'missing-root' } }),
    ledger.append({ type: 'action', vm: 'web1', at: '2026-01-02T03:04:05.000Z', data: null }),
  ]);
  assert.deepEqual(got, [{ index: 0 }, { index: 1 }, { index: 2 }]);
  assert.equal(ledger.size, 3);
  const r = ledger.verify();
  assert.deepEqual({ ok: r.ok, size: r.size, checkpoints: r.checkpoints, firstBadIndex: r.firstBadIndex }, { ok: true, size: 3, checkpoints: 2, firstBadIndex: null });
  const text = ledger.entry(0).toString('utf8');
  assert.equal(text, canonicalJson({ schema: ENTRY_SCHEMA, type: 'boot-outcome', vm: 'web1', at: fixedNow().toISOString(), data: { a: { b: 3, y: 2 }, z: 1 } }));
  assert.equal(text, '{"at":"2026-11-26T12:00:00.000Z","data":{"a":{"b":3,"y":2},"z":1},"schema":"bootmedic.ledger.entry/v1","type":"boot-outcome","vm":"web1"}');
  // A later tick is a new batch with its own checkpoint.
  await ledger.append({ type: 'drill', data: {} });
  assert.equal(ledger.verify().checkpoints, 3);
  await ledger.close();
});

test('proofs: every inclusion and consistency proof verifies against signed checkpoints', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const ledger = await openLedger({ home, origin, now: fixedNow });
  await fill(ledger, 600, 97);
  const cp = parseCheckpoint(openNote(ledger.checkpoint(), [ledger.verifier]).text);
  assert.equal(cp.size, 600);
  assert.deepEqual(cp.root, ledger.rootAt());
  for (let i = 0; i < 600; i += 7) {
    const p = ledger.inclusionProof(i);
    assert.equal(verifyInclusion(i, 600, p.leafHash, p.proof, cp.root), null, `index ${i}`);
    const old = ledger.inclusionProof(i, 555 > i ? 555 : 600);
    assert.equal(verifyInclusion(i, old.size, old.leafHash, old.proof, ledger.rootAt(old.size)), null);
  }
  for (const m of [1, 2, 97, 255, 256, 257, 511, 599, 600]) {
    const c = ledger.consistencyProof(m);
    assert.equal(verifyConsistency(m, 600, c.proof, c.root1, c.root2), null, `size ${m}`);
  }
  // The empty tree is consistent with any tree (C2SP tlog-witness), with an empty proof.
  assert.deepEqual(ledger.consistencyProof(0).proof, []);
  // A proof for one size does not verify against another size's root.
  const p = ledger.inclusionProof(10, 300);
  assert.notEqual(verifyInclusion(10, 300, p.leafHash, p.proof, ledger.rootAt(301)), null);
  assert.throws(() => ledger.inclusionProof(10, 601), { code: 'LEDGER_BAD_RANGE' });
  assert.throws(() => ledger.inclusionProof(600), { code: 'LEDGER_BAD_RANGE' });
  assert.throws(() => ledger.inclusionProof(-1), { code: 'LEDGER_BAD_RANGE' });
  assert.throws(() => ledger.consistencyProof(10, 5), { code: 'LEDGER_BAD_RANGE' });
  assert.throws(() => ledger.consistencyProof(1, 601), { code: 'LEDGER_BAD_RANGE' });
  await ledger.close();
});

test('reopening keeps the tree, the key (0600) and the origin; another origin is refused', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const a = await openLedger({ home, origin, now: fixedNow });
  await fill(a, 300, 300);
  const root = a.rootAt();
  await a.close();
  const paths = ledgerPaths(home);
  assert.equal(statSync(paths.key).mode & 0o777, 0o600);
  assert.equal(readFileSync(paths.vkey, 'utf8'), `${a.verifier.vkey}\n`);
  const b = await openLedger({ home });
  assert.equal(b.origin, origin);
  assert.equal(b.size, 300);
  assert.deepEqual(b.rootAt(), root);
  await b.append({ type: 'config-change', data: { key: 'x' } });
  assert.equal(b.verify().ok, true);
  await b.close();
  await assert.rejects(openLedger({ home, origin: 'other.example/log' }), { code: 'LEDGER_ORIGIN_MISMATCH' });
  await assert.rejects(openLedger({ home: join(home, 'nothing'), create: false }), { code: 'LEDGER_DB_UNREADABLE' });
});

test('bad entries are refused with typed errors and leave the ledger usable', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const ledger = await openLedger({ home, origin, now: fixedNow });
  await assert.rejects(ledger.append({ type: 'drill', data: { x: Number.NaN } }), { code: 'LEDGER_BAD_ENTRY' });
  await assert.rejects(ledger.append({ type: '', data: 1 }), { code: 'LEDGER_BAD_ENTRY' });
  await assert.rejects(ledger.append({ type: 'drill', at: 'yesterday', data: 1 }), { code: 'LEDGER_BAD_ENTRY' });
  await assert.rejects(ledger.append({ type: 'drill', data: 'x'.repeat(70_000) }), { code: 'LEDGER_ENTRY_TOO_LARGE' });
  assert.deepEqual(await ledger.append({ type: 'drill', data: 'fine' }), { index: 0 });
  assert.equal(ledger.verify().ok, true);
  await ledger.close();
  await assert.rejects(ledger.append({ type: 'drill', data: 1 }), { code: 'LEDGER_CLOSED' });
});

test('export verifies offline; a witness cosignature is required when asked for', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const ledger = await openLedger({ home, origin, now: fixedNow });
  const witness = generateSkey('witness.example/w1', SIG_TYPE.cosignatureV1);
  await ledger.append({ type: 'drill', data: 'before the first cosignature' });
  ledger.cosign(witness, 1_699_999_999);
  await fill(ledger, 699, 350);
  // The second cosignature checks consistency with the first (sizes 1 and 700).
  const cosigned = ledger.cosign(witness, 1_700_000_000);
  assert.equal(ledger.checkpoint(), cosigned);
  assert.equal(cosigned.split('\n— ').length, 3, 'log signature and witness cosignature');
  const dir = join(home, 'export');
  assert.deepEqual(ledger.export(dir), { size: 700, dir });
  assert.throws(() => ledger.export(dir), { code: 'LEDGER_EXPORT_EXISTS' });
  const r = verifyExport(dir);
  assert.deepEqual({ ok: r.ok, size: r.size, firstBadIndex: r.firstBadIndex }, { ok: true, size: 700, firstBadIndex: null });
  // The live tiles folder holds the same tiles as the export.
  const list = (d: string): string[] => readdirSync(d, { recursive: true }).map(String).filter((f) => f.startsWith('tile')).sort();
  assert.deepEqual(list(ledger.paths.tiles), list(dir));
  const witnessVkey = parseSkey(witness).vkey;
  assert.equal(verifyExport(dir, { witnesses: [witnessVkey] }).ok, true);
  const other = parseSkey(generateSkey('witness.example/w2', SIG_TYPE.cosignatureV1)).vkey;
  const missing = verifyExport(dir, { witnesses: [other] });
  assert.equal(missing.ok, false);
  assert.equal(missing.problems[0]?.code, 'LEDGER_BAD_COSIGNATURE');
  // A log key cannot be used as a witness key.
  assert.throws(() => ledger.cosign(generateSkey('x.example/log')), { code: 'LEDGER_BAD_COSIGNATURE' });
  await ledger.close();
  const empty = join(home, 'empty');
  mkdirSync(empty);
  assert.throws(() => verifyExport(empty), { code: 'LEDGER_BAD_EXPORT' });
  writeFileSync(join(empty, 'vkey'), 'not a key\n');
  assert.throws(() => verifyExport(empty), { code: 'LEDGER_BAD_VKEY' });
});

test('two writers on one home interleave without forking the tree', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const a = await openLedger({ home, origin, now: fixedNow });
  const b = await openLedger({ home, origin, now: fixedNow });
  for (let i = 0; i < 6; i++) {
    const w = i % 2 === 0 ? a : b;
    assert.deepEqual(await w.append({ type: 'drill', data: { i } }), { index: i });
  }
  assert.equal(a.verify().ok, true);
  await a.close();
  await b.close();
});

test('a writer rebuilds tiles that are missing (the view lags after a crash); a reader reports them', async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const a = await openLedger({ home, origin, now: fixedNow });
  await fill(a, 520, 260);
  await a.close();
  const tiles = ledgerPaths(home).tiles;
  rmSync(tiles, { recursive: true });
  const reader = await openLedger({ home, readOnly: true });
  const r = reader.verify();
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => p.code === 'LEDGER_BAD_TILE'));
  await reader.close();
  const writer = await openLedger({ home });
  assert.equal(writer.verify().ok, true);
  await writer.close();
});
