// io.max needs the whole disk under each image; a fake /sys (the real one's shape) stands in
// for the disk and the partition, and the file's own device number comes from a real stat.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blkioHasWeight, ioMaxLines, wholeDiskOf, wholeDiskPaths } from './io-devices.ts';

const here = fileURLToPath(import.meta.url);
const dev = statSync(here, { bigint: true }).dev;
const majMin = `${Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn))}:${Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn))}`;
const virtual = majMin.startsWith('0:');

test('a file on a whole disk gives that disk; on a partition, the disk that holds it; io.max lines name each disk once', { skip: virtual && 'this checkout is on a virtual file system (no block device)' }, () => {
  const sys = mkdtempSync(join(tmpdir(), 'bm-sys-'));
  try {
    mkdirSync(join(sys, 'dev', 'block'), { recursive: true });
    mkdirSync(join(sys, 'devices', 'vda'), { recursive: true });
    symlinkSync(join(sys, 'devices', 'vda'), join(sys, 'dev', 'block', majMin));
    assert.equal(wholeDiskOf(here, sys), majMin);
    assert.deepEqual(ioMaxLines([here, here], { iops: 100, bytesPerSecond: 4096 }, sys), [`${majMin} riops=100 wiops=100 rbps=4096 wbps=4096`]);
    assert.deepEqual(ioMaxLines([here], {}, sys), [], 'no limits, no lines');
    writeFileSync(join(sys, 'devices', 'vda', 'uevent'), `MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n`);
    assert.deepEqual(wholeDiskPaths([here, here, '/no/such/file'], sys), ['/dev/vda'], 'libvirt names the device by its /dev path, once');
    // Now the same device number is a partition (vda1) of a disk whose number is 254:99.
    rmSync(join(sys, 'dev', 'block', majMin));
    mkdirSync(join(sys, 'devices', 'vda', 'vda1'));
    writeFileSync(join(sys, 'devices', 'vda', 'vda1', 'partition'), '1\n');
    writeFileSync(join(sys, 'devices', 'vda', 'dev'), '254:99\n');
    symlinkSync(join(sys, 'devices', 'vda', 'vda1'), join(sys, 'dev', 'block', majMin));
    assert.equal(wholeDiskOf(here, sys), '254:99');
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});

test('a path that does not exist, or a device /sys does not know, gives no line', () => {
  const sys = mkdtempSync(join(tmpdir(), 'bm-sys-'));
  try {
    assert.equal(wholeDiskOf('/no/such/image.qcow2', sys), undefined);
    assert.deepEqual(ioMaxLines([here], { iops: 5 }, sys), []);
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});

test('a block I/O weight is offered by cgroup v1 blkio.weight (BFQ) or a cgroup v2 io controller, not by throttling alone', () => {
  const root = mkdtempSync(join(tmpdir(), 'bm-cg-'));
  try {
    mkdirSync(join(root, 'blkio'));
    writeFileSync(join(root, 'blkio', 'blkio.throttle.read_iops_device'), '');
    assert.equal(blkioHasWeight(root), false, 'this host: mq-deadline, throttling only');
    writeFileSync(join(root, 'blkio', 'blkio.bfq.weight'), '100');
    assert.equal(blkioHasWeight(root), true);
    rmSync(join(root, 'blkio'), { recursive: true });
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory io\n');
    assert.equal(blkioHasWeight(root), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
