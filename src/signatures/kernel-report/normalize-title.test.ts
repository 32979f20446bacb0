import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linuxRules } from './rules.ts';
import { normalizeTitle, sanitizeTitle } from './normalize-title.ts';

const n = (s: string): string => normalizeTitle(s, linuxRules());

test('hex addresses of 6+ digits become ADDR, shorter ones become NUM or stay', () => {
  assert.equal(n('BUG: bad page at ffff888012345678'), 'BUG: bad page at ADDR');
  assert.equal(n('fault at 0x00000000deadbeef here'), 'fault at ADDR here');
  assert.equal(n('value 0x1f'), 'value 0x1f');
});

test('file:line becomes file:LINE and func+0x../0x.. becomes func', () => {
  assert.equal(n('kernel BUG at fs/ext4/inode.c:1234!'), 'kernel BUG at fs/ext4/inode.c:LINE!');
  assert.equal(n('WARNING in ip6_fragment+0x1052/0x2d80'), 'WARNING in ip6_fragment');
});

test('other numbers become NUM; numbers inside identifiers stay', () => {
  assert.equal(n('kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)'), 'kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)');
  assert.equal(n('WARNING in cfg80211_wext_siwscan'), 'WARNING in cfg80211_wext_siwscan');
  assert.equal(n('task 1234 blocked'), 'task NUM blocked');
});

test('IPv4 addresses, CPU#N and syz-executor ids are normalised', () => {
  assert.equal(n('peer 10.1.2.3 died'), 'peer IP died');
  assert.equal(n('stall on CPU#3'), 'stall on CPU');
  assert.equal(n('killed syz-executor123/4567'), 'killed syz-executor');
});

test('control and non-ASCII characters go, spaces squeeze, 120-byte cut', () => {
  assert.equal(sanitizeTitle('a\tb  \x01c\u00e9d  ', 120), 'a b cd');
  const long = 'x'.repeat(300);
  assert.equal(sanitizeTitle(long, 120).length, 120);
  // The cut counts input bytes, including the ones dropped (as upstream does).
  assert.equal(sanitizeTitle('\u00e9'.repeat(10) + 'abc', 21), 'a');
});
