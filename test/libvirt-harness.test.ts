// The libvirt harness itself: a real libvirtd answers, a tiny-guest domain it defines boots
// (its serial log, written by virtlogd, shows the ready marker) and is gone after remove().
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runToolSync } from '../src/core/index.ts';
import { defineTinyDomain, libvirtdPid, useLibvirtd } from '../testkit/index.ts';

const lv = useLibvirtd();

test('defineTinyDomain boots the tiny guest under libvirt and remove() leaves nothing behind', { skip: lv.skip, timeout: 120_000 }, async () => {
  const d = defineTinyDomain({ name: 'harness' });
  assert.match(d.name, /^bmtest-[0-9a-f]{6}-harness$/);
  assert.equal(d.uri, lv.lease().uri);
  d.start();
  let log = '';
  for (let i = 0; i < 1200 && !log.includes('bootmedic-ready'); i++) {
    await sleep(100);
    log = existsSync(d.serialLog) ? readFileSync(d.serialLog, 'latin1') : '';
  }
  assert.ok(log.includes('bootmedic-ready'), `the serial log ${d.serialLog} shows the ready marker; tail: ${log.slice(-300)}`);
  const xml = runToolSync('virsh', ['-c', d.uri, 'dumpxml', d.name]).stdout;
  assert.match(xml, /<domain type='qemu'/);
  assert.match(xml, /<panic model='isa'/);
  d.remove();
  assert.equal(runToolSync('virsh', ['-c', d.uri, 'domstate', d.name], { check: false }).code, 1, 'the domain is undefined');
  assert.equal(existsSync(d.dir), false, 'its folder is removed');
});

test('a libvirtd the harness started runs under tini as the subreaper of the QEMUs it daemonizes', { skip: lv.skip, timeout: 60_000 }, (t) => {
  if (!lv.lease().startedDaemons) return t.skip('this libvirtd was running before the harness; it started none');
  if (!existsSync('/usr/bin/tini')) return t.skip('/usr/bin/tini is missing (Debian package tini, .ci/run installs it)');
  const pid = libvirtdPid();
  assert.ok(pid !== undefined, 'libvirtd runs');
  const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  const parent = readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0');
  assert.deepEqual(parent.slice(0, 3), ['/usr/bin/tini', '-s', '--'], `libvirtd's parent ${ppid} is tini -s`);
});
