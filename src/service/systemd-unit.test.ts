// The shipped systemd unit: systemd itself checks it when systemd-analyze is here, and the
// hardening the README promises is asserted key by key either way, as is what virsh and the
// libvirt watch need under that hardening (docs/libvirt.md, "Under the systemd unit").
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

test('the hardening leaves libvirt what it needs: the libvirt socket, the serial logs, the image folder, root without a user namespace', () => {
  const k = serviceKeys(text);
  const one = (key: string) => k.get(key)?.at(-1);
  const words = (key: string) => (k.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter((w) => w !== '');
  // virsh reaches libvirtd through /run/libvirt/libvirt-sock.
  const families = words('RestrictAddressFamilies');
  const denyList = families[0]?.startsWith('~') === true;
  const named = families.map((f) => f.replace(/^~/, '')).includes('AF_UNIX');
  if (families.length > 0) assert.ok(denyList ? !named : named, `AF_UNIX allowed: ${families.join(' ')}`);
  // libvirtd trusts the client's uid from SO_PEERCRED: no user namespace, no other user than root.
  for (const key of ['PrivateUsers', 'PrivateNetwork', 'DynamicUser']) assert.ok(!['yes', 'true', 'on', '1', 'self', 'identity'].includes(one(key) ?? 'no'), `${key} would break the libvirt socket`);
  assert.ok(one('User') === undefined || one('User') === 'root', 'root: qemu:///system, and the owner of a restored disk');
  if (one('CapabilityBoundingSet') !== undefined) for (const cap of ['CAP_CHOWN', 'CAP_FOWNER', 'CAP_DAC_OVERRIDE']) assert.ok(words('CapabilityBoundingSet').includes(cap), cap);
  // Nothing hides the socket, the serial logs or the image folder.
  const hidden = [...words('InaccessiblePaths'), ...words('TemporaryFileSystem')].map((p) => p.replace(/^-/, '').split(':')[0]!);
  for (const p of ['/run/libvirt/libvirt-sock', '/var/log/libvirt/qemu/dom-serial.log', '/var/lib/libvirt/images/disk.qcow2']) {
    assert.ok(!hidden.some((h) => p === h || p.startsWith(`${h.replace(/\/$/, '')}/`)), `${p} is not hidden`);
  }
  // The serial logs are only read; heals that restore or repair a disk and libvirt drills write the image folder.
  const rw = words('ReadWritePaths').map((p) => p.replace(/^-/, ''));
  assert.ok(rw.includes('/var/lib/libvirt/images'), `ReadWritePaths has /var/lib/libvirt/images: ${rw.join(' ')}`);
  assert.ok(words('ReadWritePaths').includes('-/var/lib/libvirt/images'), 'optional ("-"): a host without libvirt still starts the service');
  assert.match(text, /^After=.*\blibvirtd\.(service|socket)\b/m, 'ordered after libvirtd');
  assert.doesNotMatch(text, /^(Requires|BindsTo)=.*libvirt/m, 'libvirt is optional');
});

test('systemd-analyze verify accepts the unit', { skip: existsSync('/usr/bin/systemd-analyze') ? false : 'systemd-analyze is not installed' }, () => {
  const r = runToolSync('/usr/bin/systemd-analyze', ['verify', unitPath], { check: false, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unknown|invalid|failed/i, r.stderr);
});
