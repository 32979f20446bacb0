// The QEMU command line of one boot, as an argument array (never a shell string).
import type { VmSpec } from '../../config/index.ts';
import type { Accel } from '../types.ts';

/** Everything launch resolved before QEMU starts. */
export type BootPlan = {
  accel: Accel;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  /** qcow2 overlays, one per VmSpec disk, in order. */
  overlays: readonly { path: string; interface: 'virtio' | 'ide' }[];
  qmpSocket: string;
  /** UEFI: read-only code and this boot's writable copy of the variable store. */
  pflash?: { code: string; vars: string };
};

/** QEMU option values escape a comma by doubling it (qemu-options "Commas"). */
function esc(path: string): string {
  return path.replace(/,/g, ',,');
}

/**
 * The `-cpu` value, or undefined for QEMU's default model. KVM runs the host's CPU. A
 * Windows guest (or `hvCrash: true`) gets `hv-crash`: Hyper-V's crash MSRs
 * (docs/system/i386/hyperv.rst), where Windows writes its stop code and four parameters, which
 * QEMU reports as GUEST_PANICKED with hyper-v info; KVM emulates those MSRs. Under TCG the model
 * is named explicitly, qemu64 (QEMU's default for x86), because a property needs a model to
 * hang on; QEMU 7.2 accepts it there.
 */
export function cpuModel(spec: Pick<VmSpec, 'os' | 'hvCrash'>, accel: Accel): string | undefined {
  const hvCrash = spec.hvCrash ?? spec.os === 'windows';
  const model = accel === 'kvm' ? 'host' : hvCrash ? 'qemu64' : undefined;
  return model === undefined ? undefined : hvCrash ? `${model},hv-crash` : model;
}

/**
 * The disk I/O limits of a VM as -drive throttling options: every disk joins one QEMU throttle
 * group (`throttling.group`), so `limits.iops` and `limits.bytesPerSecond` bound the VM's disks together.
 */
export function throttle(spec: Pick<VmSpec, 'limits'>): string {
  const iops = spec.limits?.iops;
  const bps = spec.limits?.bytesPerSecond;
  if (iops === undefined && bps === undefined) return '';
  return `,throttling.group=bootmedic-io${iops === undefined ? '' : `,throttling.iops-total=${iops}`}${bps === undefined ? '' : `,throttling.bps-total=${bps}`}`;
}

/**
 * Builds QEMU's argv. Choices, each for a reason:
 * - `-S`: the CPUs start paused, so the QMP client is connected before the guest runs and
 *   no event or console byte is missed; launch sends `cont`.
 * - the serial console is QEMU's stdio (a pipe): bytes arrive in order from the first one,
 *   and stdin lets us type at a shell prompt.
 * - `-device pvpanic` + `-action panic=pause`: a guest panic raises GUEST_PANICKED and the VM
 *   stays paused in state guest-panicked (QEMU 7.2, see docs/hypervisor.md) for the
 *   supervisor to see and decide on; QEMU does not exit or loop silently.
 * - no `-no-reboot`; `-action reboot=reset`: a guest reboot resets the VM and emits a RESET
 *   event, so reboot loops are visible and countable, and `watch` follows every reboot.
 * - `-action shutdown=poweroff`: a guest power-off emits SHUTDOWN and QEMU exits 0.
 * - `hv-crash` on `-cpu` for Windows guests (cpuModel).
 */
export function qemuArgv(spec: VmSpec, plan: BootPlan): string[] {
  const a: string[] = ['-nodefaults', '-no-user-config', '-display', 'none', '-name', spec.name, '-S'];
  // Secure Boot: OVMF's secure build keeps its variable store behind SMM, and the flash
  // accepts writes only from SMM (-global ... secure=on), so the guest OS cannot rewrite db.
  a.push('-machine', `${spec.machine}${spec.secureBoot ? ',smm=on' : ''},accel=${plan.accel}`);
  if (spec.secureBoot) a.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  const cpu = cpuModel(spec, plan.accel);
  if (cpu !== undefined) a.push('-cpu', cpu);
  a.push('-m', String(spec.memoryMiB), '-smp', String(spec.cpus));
  a.push('-qmp', `unix:${esc(plan.qmpSocket)},server=on,wait=off`);
  a.push('-chardev', 'stdio,id=con0,signal=off', '-serial', 'chardev:con0');
  a.push('-device', 'pvpanic');
  a.push('-action', 'panic=pause', '-action', 'reboot=reset', '-action', 'shutdown=poweroff');
  // Like a panic, a watchdog expiry is reported (WATCHDOG {action: pause}) and the VM kept for the supervisor.
  if (spec.watchdog !== 'none') a.push('-device', spec.watchdog, '-action', 'watchdog=pause');
  // The id fixes the QOM path (/machine/peripheral/balloon0) the forecasts read guest-stats at.
  if (spec.balloon) a.push('-device', 'virtio-balloon-pci,id=balloon0');
  if (plan.pflash) {
    a.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${esc(plan.pflash.code)}`);
    a.push('-drive', `if=pflash,format=raw,unit=1,file=${esc(plan.pflash.vars)}`);
  }
  if (plan.kernel !== undefined) {
    a.push('-kernel', plan.kernel);
    if (plan.initrd !== undefined) a.push('-initrd', plan.initrd);
    if (plan.cmdline !== undefined && plan.cmdline !== '') a.push('-append', plan.cmdline);
  }
  const io = throttle(spec);
  plan.overlays.forEach((d, i) => {
    a.push('-drive', `file=${esc(d.path)},format=qcow2,if=${d.interface},index=${i},cache=writeback,discard=unmap${io}`);
  });
  if (spec.network === 'user') a.push('-nic', 'user,model=virtio-net-pci');
  a.push(...spec.qemuArgs);
  return a;
}
