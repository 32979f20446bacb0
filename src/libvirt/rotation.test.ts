// A boot whose console spans virtlogd's rotation (the log renamed to .0 at 2 MiB, a new file
// started) is judged on all of its lines: the recorded good boot of the tiny guest, written
// half into the old file and half into the new one, reaches ready through superviseVm.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Hypervisor } from '../hypervisor/index.ts';
import { superviseVm } from '../supervisor/index.ts';
import { attachDomain } from './domain-process.ts';
import { parseDomainXml } from './domain-xml.ts';
import { domainSpec } from './domain-spec.ts';
import type { EventHub } from './event-hub.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-rotation-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const good = readFileSync(new URL('../../testkit/consoles/good.log', import.meta.url));
const hub: EventHub = { uri: 'test:///', ready: Promise.resolve(), close: async () => {}, subscribe: () => () => {} };

test('a boot across a rotation of its serial log reaches ready, with every line in its console', async () => {
  const log = join(dir, 'serial.log');
  writeFileSync(log, 'the end of an earlier boot\n'.repeat(1000));
  const from = 27 * 1000;
  const xml = `<domain type='qemu'><name>rot</name><memory unit='MiB'>256</memory><metadata><b:domain xmlns:b="https://bootmedic.dev/xmlns/1"><b:ready marker="bootmedic-ready"/></b:domain></metadata><devices><serial type='pty'><log file='${log}' append='on'/></serial></devices></domain>`;
  const spec = domainSpec(parseDomainXml(xml, 'rot'), 'test:///');
  const hv: Hypervisor = {
    probeAccel: async () => ({ accel: 'tcg', reason: 'test' }),
    launch: async (_s, o) => attachDomain({ uri: 'test:///', domain: 'rot', accel: 'tcg', runDir: o.runDir, hub, serialLog: log, from, onStop: 'detach' }),
  };
  let started!: () => void;
  const booting = new Promise<void>((r) => (started = r));
  const run = superviseVm(spec, { hypervisor: hv, home: dir }, { mode: 'once', onEvent: (e) => e.type === 'boot-start' && started() });
  // The tail is open once the boot started; then the guest writes, and virtlogd rotates mid-boot.
  await booting;
  const half = good.indexOf('\n', good.length >> 1) + 1;
  appendFileSync(log, good.subarray(0, half));
  renameSync(log, `${log}.0`);
  writeFileSync(log, good.subarray(half));
  const [o] = await run;
  assert.equal(o?.status, 'ready', o?.reason);
  assert.deepEqual(readFileSync(o!.consoleLog), good, 'the boot console is the boot, byte for byte: nothing of the earlier boot, nothing lost at the rotation');
});
