// Inspection with a golden image compares the ESP's EFI executables by SHA-256
// (esp.loader-digests); restore-loaders copies the differing ones back.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sliceReader } from './disk-reader.ts';
import { openFat } from './fat.ts';
import { inspectImage } from './inspect.ts';
import { openDisk } from './qcow2.ts';
import { offeredRepairs, repairImage } from './repair.ts';
import { base, cleanupSnapshots, copy, fresh, poke, putEspFile, rootHash, useBaseImage } from '../../testkit/index.ts';

useBaseImage();

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads a file from an image's ESP with bootmedic's own FAT reader. */
function espFile(img: string, path: string): Buffer {
  const { reader } = openDisk(img);
  try {
    return openFat(sliceReader(reader, base.espOffset, base.espSize)).readFile(path);
  } finally {
    reader.close();
  }
}

/** Flips one byte of a file in place on the disk: the byte after a unique marker the file holds. */
function flipAfter(img: string, marker: Buffer): void {
  const at = readFileSync(img).indexOf(marker);
  assert.ok(at > 0, 'the marker is on the disk');
  const old = espFile(img, 'EFI/BOOT/grubx64.efi');
  poke(img, at + marker.length, Buffer.from([old[old.indexOf(marker) + marker.length]! ^ 0xff]));
}

describe('ESP loaders against a golden image', () => {
  it('a flipped byte in grubx64.efi: only inspect --from sees it; restore-loaders copies it back and leaves the rest alone', () => {
    // The golden image: the base plus a second loader, as the Secure Boot guest has (shim → grubx64.efi).
    const golden = copy();
    const marker = randomBytes(32);
    const grub = Buffer.concat([Buffer.from('MZ fake signed grub '), randomBytes(5000), marker, randomBytes(20_000)]);
    putEspFile(golden, '/EFI/BOOT/grubx64.efi', grub);
    const target = fresh('tampered-#.img');
    copyFileSync(golden, target);
    flipAfter(target, marker);
    const tampered = espFile(target, 'EFI/BOOT/grubx64.efi');
    assert.equal(tampered.length, grub.length);
    assert.notEqual(sha(tampered), sha(grub));

    // Without a golden image nothing changes: the file exists and is a PE image.
    const plain = inspectImage(target).report;
    assert.equal(plain.ok, true, JSON.stringify(plain.checks.filter((c) => c.status === 'problem')));
    assert.ok(!plain.checks.some((c) => c.name === 'esp.loader-digests'), 'no comparison without --from');
    assert.deepEqual(offeredRepairs(target), []);

    const { report } = inspectImage(target, { from: golden });
    assert.deepEqual(report.checks.filter((c) => c.status === 'problem').map((c) => c.name), ['esp.loader-digests']);
    const c = report.checks.find((x) => x.name === 'esp.loader-digests')!;
    assert.match(c.evidence, /^EFI\/BOOT\/grubx64\.efi: /);
    assert.ok(c.evidence.includes(sha(tampered)) && c.evidence.includes(sha(grub)), c.evidence);
    assert.doesNotMatch(c.evidence, /BOOTX64/, 'BOOTX64.EFI matches');
    assert.match(c.fix, new RegExp(`bootmedic image repair .* --from ${golden.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const good = inspectImage(golden, { from: golden }).report;
    assert.equal(good.ok, true);
    assert.match(good.checks.find((x) => x.name === 'esp.loader-digests')!.evidence, /^2 EFI executable\(s\) match/);

    const offered = offeredRepairs(target, { from: golden });
    assert.ok(offered.includes('restore-loaders') && offered.includes('restore-boot-artefacts'), offered.join(', '));

    const root = rootHash(target);
    const others = [base.kernelPath, base.initrdPath, base.grubCfgPath, '/EFI/BOOT/BOOTX64.EFI'].map((p) => espFile(target, p));
    const snapDir = mkdtempSync(join(base.dir, 'snaps-'));
    const r = repairImage(target, { from: golden, snapshotDir: snapDir });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-loaders']);
    assert.ok(r.repairs[0]!.causes.includes('bootloader-config'));
    assert.match(r.repairs[0]!.did.join(), /copied EFI\/BOOT\/grubx64\.efi/);
    assert.equal(r.snapshots.length, 1, 'one forensic snapshot before the write');
    assert.deepEqual(inspectImage(r.snapshots[0]!.ref, { from: golden }).report.checks.filter((x) => x.status === 'problem').map((x) => x.name), ['esp.loader-digests'], 'the snapshot holds the tampered state');

    assert.equal(inspectImage(target, { from: golden }).report.ok, true);
    assert.equal(sha(espFile(target, 'EFI/BOOT/grubx64.efi')), sha(grub));
    assert.equal(rootHash(target), root, 'the root filesystem is untouched');
    assert.deepEqual([base.kernelPath, base.initrdPath, base.grubCfgPath, '/EFI/BOOT/BOOTX64.EFI'].map((p) => espFile(target, p)), others, 'the other ESP files are untouched');
    cleanupSnapshots(r);
    rmSync(snapDir, { recursive: true, force: true });
  });

  it('grub.cfg edited by the user is not a loader difference', () => {
    const target = copy();
    putEspFile(target, base.grubCfgPath, `${readFileSync(join(base.dir, 'files', 'grub.cfg'), 'utf8')}\n# edited by the user\n`);
    const { report } = inspectImage(target, { from: base.path });
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status === 'problem')));
    assert.match(report.checks.find((x) => x.name === 'esp.loader-digests')!.evidence, /^1 EFI executable\(s\) match the golden ESP \(sha256\): EFI\/BOOT\/BOOTX64\.EFI$/);
  });
});
