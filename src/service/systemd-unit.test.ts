// The shipped systemd unit: systemd itself checks it when systemd-analyze is here, and the
// hardening the README promises is asserted key by key either way.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runToolSync } from '../core/index.ts';

const unitPath = fileURLToPath(new URL('../../deploy/systemd/bootmedic.service', import.meta.url));
const text = readFileSync(new URL('../../deploy/systemd/bootmedic.service', import.meta.url), 'utf8');

/** The unit's [Service] keys (a key given twice keeps every value). */
function serviceKeys(unit: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec !== null) {
      section = sec[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(eq > 0, `not a key=value line: ${line}`);
    if (section !== 'Service') continue;
    const k = line.slice(0, eq);
    keys.set(k, [...(keys.get(k) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

test('the unit is hardened: no new privileges, a read-only system but its own state, reload by SIGHUP', () => {
  const k = serviceKeys(text);
  const one = (key: string) => k.get(key)?.at(-1);
  assert.match(one('ExecStart') ?? '', /^\/\S+ .*\bbootmedic(\.js)? serve\b/, 'an absolute program that runs bootmedic serve');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectKernelTunables', 'ProtectControlGroups', 'RestrictSUIDSGID', 'LockPersonality']) assert.equal(one(key), 'yes', key);
  assert.equal(one('ProtectSystem'), 'strict');
  assert.match(one('ProtectHome') ?? '', /^(yes|read-only)$/);
  assert.ok((one('ReadWritePaths') ?? '').split(/\s+/).includes('/var/lib/bootmedic'), 'its home is writable');
  assert.equal(one('KillMode'), 'mixed');
  assert.ok(Number(one('TimeoutStopSec')) > 0);
  // Devices are restricted, so QEMU must be allowed /dev/kvm explicitly.
  if (one('DevicePolicy') === 'closed' || one('DevicePolicy') === 'strict') assert.ok(k.get('DeviceAllow')?.some((d) => d.startsWith('/dev/kvm')), 'DeviceAllow=/dev/kvm');
});

test('systemd-analyze verify accepts the unit', { skip: existsSync('/usr/bin/systemd-analyze') ? false : 'systemd-analyze is not installed' }, () => {
  const r = runToolSync('/usr/bin/systemd-analyze', ['verify', unitPath], { check: false, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unknown|invalid|failed/i, r.stderr);
});
