import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBootmedicError } from './errors.ts';
import { checkPath, openGuarded, readGuarded, streamGuarded } from './guarded-file.ts';

function withDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bm-guard-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const wrongType = (what: RegExp) => (e: unknown) => isBootmedicError(e, 'FILE_WRONG_TYPE') && e.exitClass === 'input' && what.test(e.message);

test('a FIFO is refused at once, never opened for a blocking read', withDir((dir) => {
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => openGuarded(fifo, { what: 'disk image', kind: 'disk' }), wrongType(/disk image .*pipe: a FIFO \(named pipe\), not a regular file or a block device/));
  assert.throws(() => readGuarded(fifo, { what: 'VM file', maxBytes: 10 }), wrongType(/FIFO/));
  assert.throws(() => streamGuarded(fifo, { what: 'console log' }), wrongType(/FIFO/));
}));

test('a directory, a character device and a symlink loop are refused with the same code', withDir((dir) => {
  assert.throws(() => openGuarded(dir, { what: 'disk image', kind: 'disk' }), wrongType(/a directory, not a regular file or a block device/));
  assert.throws(() => openGuarded('/dev/null', { what: 'kernel' }), wrongType(/a character device/));
  symlinkSync(join(dir, 'b'), join(dir, 'a'));
  symlinkSync(join(dir, 'a'), join(dir, 'b'));
  assert.throws(() => openGuarded(join(dir, 'a'), { what: 'initrd' }), wrongType(/symlink loop/));
  assert.throws(() => checkPath(join(dir, 'f'), { what: 'export', kind: 'directory' }), (e) => isBootmedicError(e, 'FILE_NOT_FOUND'));
  writeFileSync(join(dir, 'f'), 'x');
  assert.throws(() => checkPath(join(dir, 'f'), { what: 'export', kind: 'directory' }), wrongType(/a regular file, not a directory/));
  mkdirSync(join(dir, 'sub'));
  assert.ok(checkPath(join(dir, 'sub'), { what: 'export', kind: 'directory' }).isDirectory());
}));

test('a missing file is FILE_NOT_FOUND (or the part\'s own code) and exit class input', withDir((dir) => {
  const p = join(dir, 'absent');
  assert.throws(() => openGuarded(p, { what: 'kernel' }), (e) => isBootmedicError(e, 'FILE_NOT_FOUND') && e.exitClass === 'input' && e.message === `kernel ${p}: no such file`);
  assert.throws(() => readGuarded(join(dir, 'absent', 'x'), { what: 'kernel', maxBytes: 1 }), (e) => isBootmedicError(e, 'FILE_NOT_FOUND'));
}));

test('a regular file opens and reads; past maxBytes it is FILE_TOO_LARGE', withDir((dir) => {
  const p = join(dir, 'f');
  writeFileSync(p, 'hello');
  assert.equal(readGuarded(p, { what: 'f', maxBytes: 5 }).toString(), 'hello');
  assert.throws(() => readGuarded(p, { what: 'f', maxBytes: 4 }), (e) => isBootmedicError(e, 'FILE_TOO_LARGE') && /5 bytes, more than the limit of 4/.test(e.message));
  const { fd, stats } = openGuarded(p, { what: 'f', write: true });
  closeSync(fd);
  assert.equal(stats.size, 5);
}));

test('an unreadable file is FILE_NO_ACCESS', (t) => {
  if (process.getuid?.() === 0) {
    t.skip('running as root, which reads any file');
    return;
  }
  return withDir((dir) => {
    const p = join(dir, 'secret');
    writeFileSync(p, 'x', { mode: 0o000 });
    assert.throws(() => readGuarded(p, { what: 'key', maxBytes: 10 }), (e) => isBootmedicError(e, 'FILE_NO_ACCESS') && /EACCES/.test(e.message));
  })();
});
