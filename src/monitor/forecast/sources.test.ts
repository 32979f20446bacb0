import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseGuestStats } from './balloon.ts';
import { parseMemAvailable, readFreeBytes, readHostMemAvailable, readImageStorage } from './sources.ts';

test('host MemAvailable is read from /proc/meminfo in bytes; a file without it is refused', () => {
  assert.equal(parseMemAvailable('MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    8000000 kB\n'), 8_000_000 * 1024);
  assert.throws(() => parseMemAvailable('MemTotal: 1 kB\n'), { code: 'MONITOR_SOURCE_UNREADABLE', message: /MemAvailable/ });
  assert.ok(readHostMemAvailable() > 0);
  assert.throws(() => readHostMemAvailable('/nonexistent/meminfo'), { code: 'MONITOR_SOURCE_UNREADABLE', message: /\/nonexistent\/meminfo/ });
});

test('free space and an image\'s storage come from statfs and stat; a missing path is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-forecast-'));
  try {
    const image = join(dir, 'disk.img');
    writeFileSync(image, Buffer.alloc(1 << 20, 1));
    const st = readImageStorage(image);
    assert.equal(st.imageSizeBytes, 1 << 20);
    assert.ok(st.imageAllocatedBytes >= 1 << 20);
    assert.ok(st.freeBytes > 0);
    assert.equal(typeof readFreeBytes(dir), 'number');
    assert.throws(() => readImageStorage(join(dir, 'nope.qcow2')), { code: 'MONITOR_SOURCE_UNREADABLE', message: /nope\.qcow2/ });
    assert.throws(() => readFreeBytes(join(dir, 'nope')), { code: 'MONITOR_SOURCE_UNREADABLE', message: /nope/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('guest-stats replies: nothing before the first report, -1 means not reported, junk is refused', () => {
  assert.equal(parseGuestStats({ stats: { 'stat-free-memory': -1 }, 'last-update': 0 }), undefined);
  assert.deepEqual(parseGuestStats({ stats: { 'stat-available-memory': 100, 'stat-free-memory': 90, 'stat-total-memory': 200, 'stat-swap-in': -1 }, 'last-update': 1765000000 }), {
    lastUpdate: 1765000000,
    availableBytes: 100,
    freeBytes: 90,
    totalBytes: 200,
  });
  assert.deepEqual(parseGuestStats({ stats: { 'stat-free-memory': 90, 'stat-available-memory': -1 }, 'last-update': 5 }), { lastUpdate: 5, freeBytes: 90 });
  assert.throws(() => parseGuestStats({ nope: 1 }), { code: 'MONITOR_BALLOON_UNAVAILABLE' });
});
