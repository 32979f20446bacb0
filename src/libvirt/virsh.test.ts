import assert from 'node:assert/strict';
import { test } from 'node:test';
import { virshError } from './virsh.ts';

// virsh 9.0's own words, recorded on this kind of host.
const fail = (stderr: string) => ({ code: 1, stdout: '', stderr });

test('an unreachable URI (no socket, no driver, refused) is LIBVIRT_URI_UNREACHABLE naming the URI and how to start libvirtd', () => {
  for (const stderr of [
    "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/nonexistent.sock': No such file or directory\n",
    'error: failed to connect to the hypervisor\nerror: no connection driver available for bogus:///x\n',
    "error: failed to connect to the hypervisor\nerror: unable to connect to server at '127.0.0.1:1': Connection refused\n",
  ]) {
    const e = virshError('qemu:///x', ['list'], fail(stderr));
    assert.equal(e.code, 'LIBVIRT_URI_UNREACHABLE');
    assert.equal(e.exitClass, 'unavailable');
    assert.match(e.message, /^libvirt URI qemu:\/\/\/x is unreachable: failed to connect/);
    assert.match(e.fix, /systemctl enable --now libvirtd/);
    assert.match(e.fix, /virtlogd -d; libvirtd -d/);
  }
});

test("a missing domain is LIBVIRT_DOMAIN_NOT_FOUND naming it; anything else is LIBVIRT_VIRSH_FAILED with virsh's words", () => {
  const nf = virshError('qemu:///system', ['dumpxml', 'web'], fail("error: failed to get domain 'web'\n"));
  assert.equal(nf.code, 'LIBVIRT_DOMAIN_NOT_FOUND');
  assert.match(nf.message, /no domain 'web'/);
  assert.equal(nf.exitClass, 'input');
  const other = virshError('qemu:///system', ['start', 'web'], fail('error: Failed to start domain web\nerror: internal error: process exited while connecting to monitor\n'));
  assert.equal(other.code, 'LIBVIRT_VIRSH_FAILED');
  assert.match(other.message, /internal error: process exited/);
});
