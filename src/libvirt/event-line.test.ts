import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseEventLine, type LibvirtEvent } from './event-line.ts';

// Lines recorded from virsh 9.0 on this kind of host: a panic under on_crash=destroy and a reset loop.
const lifecycle = readFileSync(new URL('../../testkit/libvirt-events/lifecycle.txt', import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
const qmp = readFileSync(new URL('../../testkit/libvirt-events/qmp.txt', import.meta.url), 'utf8').split('\n').filter((l) => l !== '');

test('every recorded line of both streams parses', () => {
  for (const l of [...lifecycle, ...qmp]) assert.notEqual(parseEventLine(l), undefined, l);
});

test('lifecycle lines: event, detail, domain and the stamped time', () => {
  const evs = lifecycle.map((l) => parseEventLine(l)!).filter((e) => e.domain === 'bmtest-exp-panic');
  assert.deepEqual(
    evs.map((e) => (e.type === 'lifecycle' ? `${e.event} ${e.detail}` : e.type)),
    ['Defined Added', 'Resumed Unpaused', 'Started Booted', 'Crashed Panicked', 'Stopped Crashed', 'Undefined Removed'],
  );
  assert.equal(evs[3]!.at, Date.parse('2026-12-07T03:27:11.839Z'));
  const shutdown = parseEventLine(lifecycle[0]!)!;
  assert.deepEqual(shutdown, { type: 'lifecycle', at: Date.parse('2026-12-07T03:27:03.959Z'), domain: 'bmlvh-manual', event: 'Shutdown', detail: 'Finished after host request' });
});

test('reboot lines carry the domain only', () => {
  const reboots = lifecycle.map((l) => parseEventLine(l)!).filter((e) => e.type === 'reboot');
  assert.equal(reboots.length, 9);
  assert.equal(reboots[0]!.domain, 'bmtest-exp-loop');
});

test('QMP lines: event and JSON data; <null> is no data', () => {
  const evs = qmp.map((l) => parseEventLine(l)!) as Extract<LibvirtEvent, { type: 'qmp' }>[];
  const panic = evs.find((e) => e.event === 'GUEST_PANICKED')!;
  assert.deepEqual(panic.data, { action: 'pause' });
  assert.equal(panic.domain, 'bmtest-exp-panic');
  const resume = evs.find((e) => e.event === 'RESUME')!;
  assert.deepEqual(resume.data, {});
  const resets = evs.filter((e) => e.event === 'RESET');
  assert.equal(resets.length, 9);
  assert.deepEqual(resets[0]!.data, { guest: true, reason: 'guest-reset' });
});

test('a domain name with spaces and quotes-like text, other events, and noise', () => {
  assert.deepEqual(parseEventLine("2026-12-07 03:27:11.839+0000: event 'lifecycle' for domain 'web 1': Stopped Destroyed"), {
    type: 'lifecycle', at: Date.parse('2026-12-07T03:27:11.839Z'), domain: 'web 1', event: 'Stopped', detail: 'Destroyed',
  });
  assert.deepEqual(parseEventLine("2026-12-07 03:27:11.000+0100: event 'device-removed' for domain 'd': virtio-disk1"), {
    type: 'other', at: Date.parse('2026-12-07T02:27:11.000Z'), domain: 'd', event: 'device-removed', detail: 'virtio-disk1',
  });
  assert.equal(parseEventLine('error: Disconnected from qemu:///system due to end of file'), undefined);
  assert.equal(parseEventLine('events received: 12'), undefined);
  assert.equal(parseEventLine(''), undefined);
  assert.deepEqual((parseEventLine("2026-12-07 03:27:11.839+0000: event WEIRD for domain 'd': {not json") as { data: unknown }).data, { raw: '{not json' });
});
