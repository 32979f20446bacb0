import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsoleRecorder } from './index.ts';

test('the recorder keeps every byte while under its bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-rec-'));
  try {
    const r = createConsoleRecorder(join(dir, 'console.log'), 1000);
    r.write(new TextEncoder().encode('hello\n'));
    r.write(new TextEncoder().encode('world\n'));
    await r.close();
    assert.equal(readFileSync(join(dir, 'console.log'), 'utf8'), 'hello\nworld\n');
    assert.equal(existsSync(join(dir, 'console.log.1')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the recorder rotates and stays bounded, keeping the newest bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-rec-'));
  try {
    const p = join(dir, 'console.log');
    const r = createConsoleRecorder(p, 100);
    for (let i = 0; i < 1000; i++) r.write(new TextEncoder().encode(`${i % 10}`));
    await r.close();
    const older = readFileSync(`${p}.1`, 'utf8');
    const newer = readFileSync(p, 'utf8');
    assert.ok(older.length + newer.length <= 100);
    assert.equal(older.length, 50);
    assert.equal((older + newer).endsWith('789'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable path gives CONSOLE_RECORD_OPEN', () => {
  assert.throws(() => createConsoleRecorder('/nonexistent-dir/x/console.log', 100), { code: 'CONSOLE_RECORD_OPEN' });
});
