import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasSysResource, isLocalUri } from './domain-tunes.ts';

test('CAP_SYS_RESOURCE is read from the effective set (this sandbox drops it: feffffff)', () => {
  assert.equal(hasSysResource('Name:\tlibvirtd\nCapEff:\t000001fffeffffff\n'), false);
  assert.equal(hasSysResource('CapEff:\t000001ffffffffff\n'), true);
  assert.equal(hasSysResource('CapEff:\t0000000001000000\n'), true);
  assert.equal(hasSysResource('no capabilities here'), false);
});

test("only a URI without a host is this host's libvirtd (its block devices are ours to name)", () => {
  assert.equal(isLocalUri('qemu:///system'), true);
  assert.equal(isLocalUri('qemu+unix:///system'), true);
  assert.equal(isLocalUri('qemu+ssh://host/system'), false);
  assert.equal(isLocalUri('qemu+tcp://10.0.0.1/system'), false);
});
