// A Windows stop code reported over QMP, end to end: the fake QMP server writes a
// GUEST_PANICKED event with hyper-v info as QEMU does (qapi/run-state.json:
// GuestPanicInformationHyperV, arg1..arg5 uint64; arg1 the bug check code, arg2..arg5 its
// parameters), the real QMP client parses it, and the supervisor turns it into the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import { connectQmp, type ExitInfo, type Hypervisor, type VmEvent, type VmProcess } from '../hypervisor/index.ts';
import { startFakeQmp, type FakeQmp } from '../../testkit/index.ts';
import { superviseVm } from './index.ts';

/** A hypervisor whose one VM is nothing but a QMP connection to the fake server. */
function qmpOnlyHypervisor(fake: FakeQmp): Hypervisor {
  return {
    probeAccel: async () => ({ accel: 'tcg', reason: 'fake' }),
    async launch(): Promise<VmProcess> {
      const spawned = performance.now();
      const qmp = await connectQmp(fake.path, { timeoutMs: 5000 });
      const listeners = new Set<(ev: VmEvent) => void>();
      const early: VmEvent[] = [];
      const deliver = (ev: VmEvent) => (listeners.size === 0 ? early.push(ev) : listeners.forEach((fn) => fn(ev)));
      qmp.onEvent((e) => deliver({ type: 'qmp', event: e.event, data: e.data, atMs: performance.now() - spawned }));
      let resolveExit!: (e: ExitInfo) => void;
      const exited = new Promise<ExitInfo>((r) => (resolveExit = r));
      void qmp.closed.then(() => resolveExit({ code: 0, signal: null, stderr: '', atMs: performance.now() - spawned }));
      return {
        pid: 0, accel: 'tcg', runDir: '', argv: [],
        onEvent(fn) {
          listeners.add(fn);
          for (const ev of early.splice(0)) fn(ev);
          return () => listeners.delete(fn);
        },
        qmp: (command, args) => qmp.execute(command, args),
        sendConsole() {},
        async stop() {
          qmp.close();
          return exited;
        },
        exited,
      };
    },
  };
}

test('a Hyper-V GUEST_PANICKED fails the boot with the stop code name and its exact 64-bit parameters', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-qmp-panic-'));
  const fake = await startFakeQmp();
  try {
    const spec = parseVmSpec({ name: 'win-panic', guest: 'tiny', accel: 'tcg' }, 'test', '/');
    const run = superviseVm(spec, { hypervisor: qmpOnlyHypervisor(fake), home }, {
      mode: 'once',
      onEvent: (e) => {
        if (e.type !== 'boot-start') return;
        // 0x3B SYSTEM_SERVICE_EXCEPTION: exception code, faulting address, context record, 0.
        // The two addresses lie past 2^53: a float64 would round them.
        fake.emit('GUEST_PANICKED', {
          action: 'pause',
          info: { type: 'hyper-v', arg1: 59n, arg2: 0xc0000005n, arg3: 18446735277616529280n, arg4: 0xffff_b80f_4a2c_6fe0n, arg5: 0n },
        });
      },
    });
    const [o] = await run;
    assert.equal(o?.status, 'failed', o?.reason);
    const f = o?.findings.find((x) => x.id === 'qmp.windows-bugcheck');
    assert.ok(f, `findings: ${o?.findings.map((x) => x.id).join(', ')}`);
    assert.equal(f.title, 'Windows stop SYSTEM_SERVICE_EXCEPTION (0x0000003B)');
    assert.deepEqual(f.stopCode, { code: '0x0000003B', name: 'SYSTEM_SERVICE_EXCEPTION', params: ['0xC0000005', '0xFFFFF7FFFFFFFF80', '0xFFFFB80F4A2C6FE0', '0x00000000'] });
    // The kept QMP record holds the same exact values.
    const kept = readFileSync(join(o!.runDir, 'qmp.jsonl'), 'utf8');
    assert.match(kept, /"arg3":"18446735277616529280"/);
  } finally {
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
});
