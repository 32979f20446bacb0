import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootmedicError } from '../core/index.ts';
import { tailLog } from './log-tailer.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-tail-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tail collecting text, and a wait (generous, event-driven by polling the collected text) for a condition on it. */
function collect(path: string, from: number) {
  let text = '';
  const errors: BootmedicError[] = [];
  const t = tailLog(path, { from, onChunk: (c) => (text += Buffer.from(c).toString('latin1')), onError: (e) => errors.push(e), pollMs: 50, domain: 'd1' });
  const until = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 400 && !pred(); i++) await sleep(25);
    assert.ok(pred(), `${what}; got ${JSON.stringify(text)} errors ${errors.map((e) => e.code).join(',')}`);
  };
  return { t, text: () => text, errors, until };
}

test('starts at the offset given and follows appended lines', async () => {
  const p = join(dir, 'a.log');
  writeFileSync(p, 'old boot line\n');
  const c = collect(p, 14);
  appendFileSync(p, 'new line 1\n');
  await c.until(() => c.text() === 'new line 1\n', 'the first appended line arrives, nothing before the offset');
  appendFileSync(p, 'new line 2\n');
  await c.until(() => c.text().endsWith('new line 2\n'), 'the second one too');
  c.t.close();
  assert.equal(c.text(), 'new line 1\nnew line 2\n');
  assert.equal(c.t.offset(), 36);
});

test('survives rotation: finishes the renamed file, then reads the new one from its start', async () => {
  const p = join(dir, 'b.log');
  writeFileSync(p, '');
  const c = collect(p, 0);
  appendFileSync(p, 'before rotation\n');
  await c.until(() => c.text() === 'before rotation\n', 'the line before rotation');
  // virtlogd's rotation: the last bytes land in the old file, which is renamed to .0, and a new file starts.
  appendFileSync(p, 'last of old\n');
  renameSync(p, `${p}.0`);
  writeFileSync(p, 'first of new\n');
  await c.until(() => c.text().includes('first of new\n'), 'the new file is followed');
  assert.equal(c.text(), 'before rotation\nlast of old\nfirst of new\n', 'nothing lost, nothing repeated, in file order');
  c.t.close();
});

test('survives truncation in place: reads the file again from its start', async () => {
  const p = join(dir, 'c.log');
  writeFileSync(p, 'x'.repeat(100));
  const c = collect(p, 100);
  // virtlogd truncates the log at a start (no append='on'); the new boot is shorter than the old offset.
  truncateSync(p, 0);
  appendFileSync(p, 'after truncation\n');
  await c.until(() => c.text() === 'after truncation\n', 'the new content from offset 0');
  c.t.close();
});

test('an offset past the end (the file was rotated while the domain was down) starts at 0', async () => {
  const p = join(dir, 'd.log');
  writeFileSync(p, 'fresh\n');
  const c = collect(p, 5000);
  await c.until(() => c.text() === 'fresh\n', 'the whole new file');
  c.t.close();
});

test('waits for a log that does not exist yet', async () => {
  const p = join(dir, 'e.log');
  const c = collect(p, 0);
  await sleep(100);
  assert.equal(c.errors.length, 0, 'a missing file is no error: the domain has not started yet');
  writeFileSync(p, 'booting\n');
  await c.until(() => c.text() === 'booting\n', 'the file is read once it appears');
  c.t.close();
});

test('a log path that is a folder is LIBVIRT_LOG_UNREADABLE naming the file and the domain', async () => {
  const p = join(dir, 'f.log');
  mkdirSync(p);
  const c = collect(p, 0);
  await c.until(() => c.errors.length === 1, 'one error');
  const e = c.errors[0]!;
  assert.equal(e.code, 'LIBVIRT_LOG_UNREADABLE');
  assert.match(e.message, /f\.log/);
  assert.match(e.message, /domain d1/);
  assert.equal(e.exitClass, 'input');
  c.t.close();
});
