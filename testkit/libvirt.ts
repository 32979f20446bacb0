// The libvirt test harness: a real libvirtd and virtlogd (started when none answers, and
// stopped again only by the process that started them), and tiny-guest TCG domains that a
// test defines and removes itself. Domains are named bmtest-<random>-<name>; the harness
// never touches a domain it did not define.
//
// Several test processes (and several engineers' test runs) share one libvirtd. Each holds
// a lease file under LEASE_DIR while it runs; the daemons are stopped by the last leaver,
// and only when a harness started them (the `started` file says so). A mkdir lock keeps
// the check-start-record and the leave-stop steps of two processes apart.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveAppConfig } from '../src/config/index.ts';
import { processAlive, runToolSync } from '../src/core/index.ts';
import { resolveTinyGuest } from '../src/guest/index.ts';
import { DEFAULT_URI, virshSync } from '../src/libvirt/index.ts';

const URI = DEFAULT_URI;
/** Guest files live here: QEMU runs as libvirt-qemu and cannot read anything under /root. */
export const LIBVIRT_TEST_ROOT = '/var/lib/bootmedic-test';
const LEASE_DIR = '/run/bootmedic-test-libvirtd';
const LOCK = join(LEASE_DIR, 'lock');
const STARTED = join(LEASE_DIR, 'started');
const DAEMONS = [
  { bin: '/usr/sbin/virtlogd', pidFile: '/run/virtlogd.pid' },
  { bin: '/usr/sbin/libvirtd', pidFile: '/run/libvirtd.pid' },
] as const;

/** The node:test skip reason when libvirt cannot run here (packages missing, not root, no tiny guest), else false. */
export function libvirtSkipReason(): string | false {
  for (const bin of ['/usr/bin/virsh', ...DAEMONS.map((d) => d.bin)]) {
    if (!existsSync(bin)) return `${bin} is missing: install the Debian packages libvirt-daemon-system libvirt-clients (.ci/run does); skipping the libvirt tests`;
  }
  if (process.getuid?.() !== 0) return 'the libvirt tests start libvirtd and define system domains, which needs root; skipping';
  try {
    resolveTinyGuest(resolveAppConfig());
  } catch {
    return "the tiny guest is not built (run 'bootmedic guest build tiny' or scripts/setup.sh); skipping the libvirt tests";
  }
  return false;
}


async function withLock<T>(fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(LEASE_DIR, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock left by a process that died is taken over.
      const holder = Number(readFileSafe(join(LOCK, 'pid')));
      if ((Number.isInteger(holder) && holder > 0 && !processAlive(holder)) || i > 600) rmSync(LOCK, { recursive: true, force: true });
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

const readFileSafe = (p: string) => {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
};

/** True when `virsh -c qemu:///system list` answers. */
export function libvirtdAnswers(): boolean {
  return runToolSync('virsh', ['-c', URI, 'list', '--name'], { check: false, timeoutMs: 10_000 }).code === 0;
}

/** Debian's tini: a minimal init that, with -s, reaps the orphans of the process it runs. */
const TINI = '/usr/bin/tini';

/**
 * Starts a daemon. libvirtd runs under `tini -s` when tini is installed: libvirt daemonizes
 * each QEMU, so a QEMU that exits is reaped by the host's init, and `virsh destroy` polls
 * every 200 ms until it is gone. systemd reaps at once; an init that reaps about once a
 * second (this build machine's PID 1 does) made every destroy take 1.5-2.3 s instead of
 * 0.2-0.4 s. Under tini as the subreaper, QEMU is reaped as a systemd host would reap it.
 */
function startDaemon(d: (typeof DAEMONS)[number]): void {
  if (d.bin.endsWith('libvirtd') && existsSync(TINI)) {
    // Foreground libvirtd (it still writes its pid file) with tini as its parent and reaper.
    const child = spawn(TINI, ['-s', '--', d.bin], { detached: true, stdio: 'ignore' });
    child.unref();
    return;
  }
  if (d.bin.endsWith('libvirtd')) process.stderr.write(`# testkit: ${TINI} is missing (Debian package tini): libvirtd runs without a subreaper, and each virsh destroy waits for this host's init to reap QEMU\n`);
  runToolSync(d.bin, ['-d'], { timeoutMs: 20_000, what: `start ${d.bin}` });
}

/** Starts virtlogd and libvirtd as daemons and waits until virsh answers (up to 20 s). */
export async function startLibvirtDaemons(): Promise<void> {
  for (const d of DAEMONS) {
    const pid = Number(readFileSafe(d.pidFile));
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
    startDaemon(d);
  }
  for (let i = 0; i < 400; i++) {
    if (libvirtdAnswers()) {
      // A fresh libvirtd probes QEMU's capabilities at the first define, which can outlast a
      // test's virsh timeout on a loaded machine: have it probe now, with time to spare.
      runToolSync('virsh', ['-c', URI, 'domcapabilities', '--virttype', 'qemu'], { check: false, timeoutMs: 180_000 });
      return;
    }
    await sleep(50);
  }
  throw new Error(`libvirtd was started but 'virsh -c ${URI} list' still fails after 20 s`);
}

/** The pid libvirtd wrote to its pid file, when it runs. */
export function libvirtdPid(): number | undefined {
  const pid = Number(readFileSafe(DAEMONS[1].pidFile));
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

/** Stops libvirtd (and with `virtlogd`, virtlogd) by the pids in their pid files, waiting until they are gone. */
export async function stopLibvirtDaemons(o: { virtlogd: boolean }): Promise<void> {
  for (const d of [...DAEMONS].reverse()) {
    if (d.bin.endsWith('virtlogd') && !o.virtlogd) continue;
    const pid = Number(readFileSafe(d.pidFile));
    if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) continue;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && processAlive(pid); i++) await sleep(50);
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** A lease on the shared libvirtd; `release()` stops the daemons when this was the last lease and a harness started them. */
export type LibvirtdLease = Readonly<{ uri: string; startedDaemons: boolean; release: () => Promise<void> }>;

/**
 * libvirtd probes QEMU's capabilities as root (KVM opens) but judges the cached answer by
 * whether libvirt-qemu may open /dev/kvm. On a host without udev, /dev/kvm can be root-only
 * (crw------- root root): the two disagree, every define re-probes for ever and virsh times
 * out. Debian's udev rule gives it root:kvm 0660 (libvirt-qemu is in group kvm); do the same.
 */
export function kvmDeviceForLibvirt(): void {
  const dev = '/dev/kvm';
  if (!existsSync(dev)) return;
  const kvm = /^kvm:[^:]*:(\d+):/m.exec(readFileSafe('/etc/group'))?.[1];
  if (kvm === undefined) return;
  const st = statSync(dev);
  if (st.gid === Number(kvm) && (st.mode & 0o060) === 0o060) return;
  chownSync(dev, st.uid, Number(kvm));
  chmodSync(dev, (st.mode & 0o777) | 0o060);
  process.stderr.write(`# testkit: ${dev} was not usable by group kvm; set to root:kvm 0660 as Debian's udev does (else libvirtd re-probes QEMU at every define)\n`);
}

/**
 * Makes sure a libvirtd answers on qemu:///system: starts `virtlogd -d; libvirtd -d` when
 * none does (recording that a harness started them) and takes a lease. The daemons are
 * stopped at the release of the last lease, and only when a harness started them.
 */
export async function withLibvirtd(): Promise<LibvirtdLease> {
  const lease = join(LEASE_DIR, `lease-${process.pid}-${randomBytes(3).toString('hex')}`);
  const startedDaemons = await withLock(async () => {
    writeFileSync(lease, String(process.pid));
    kvmDeviceForLibvirt();
    if (libvirtdAnswers()) return false;
    await startLibvirtDaemons();
    writeFileSync(STARTED, String(process.pid));
    return true;
  });
  let released = false;
  return Object.freeze({
    uri: URI,
    startedDaemons,
    release: async () => {
      if (released) return;
      released = true;
      await withLock(async () => {
        rmSync(lease, { force: true });
        const others = readdirSync(LEASE_DIR).filter((f) => f.startsWith('lease-')).filter((f) => {
          const pid = Number(f.split('-')[1]);
          if (processAlive(pid)) return true;
          rmSync(join(LEASE_DIR, f), { force: true });
          return false;
        });
        if (others.length === 0 && existsSync(STARTED)) {
          await stopLibvirtDaemons({ virtlogd: true });
          unlinkSync(STARTED);
        }
      });
    },
  });
}

/** What defineTinyDomain made: the domain's name, its folder and serial log, and its removal. */
export type TinyDomain = Readonly<{
  name: string;
  uri: string;
  dir: string;
  serialLog: string;
  xml: string;
  start: () => void;
  destroy: () => void;
  /** Destroys (when running), undefines and removes the folder. Idempotent. */
  remove: () => void;
}>;

const defined = new Map<string, () => void>();
let exitHook = false;

/** Removes every domain this process defined and has not removed yet (an after() hook calls it; so does process exit). */
export function removeTestDomains(): void {
  for (const remove of [...defined.values()]) remove();
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/** Options of a test domain: the tiny guest with `append` on its command line (fault switches: bootmedic.fault=panic|hang|bootloop|...). */
export type TinyDomainOptions = {
  name: string;
  memoryMiB?: number;
  /** Words appended to the tiny guest's command line (after bootmedic.after=idle). */
  append?: string;
  /** A tiny-guest fault (bootmedic.fault=<fault>). */
  fault?: string;
  /** Boot without the initramfs (no modules: no pvpanic driver, so a panic stays silent to libvirt). */
  noInitrd?: boolean;
  /** false: no serial log file (the domain is then not watchable). Default true. */
  serialLog?: boolean;
  /** Inner XML of <metadata> (the bootmedic opt-in and ready elements). */
  metadata?: string;
  /** Resource tuning elements (<cputune>, <memtune>, <blkiotune>) placed after <vcpu>. */
  tunes?: string;
  onCrash?: 'destroy' | 'preserve' | 'restart';
  /** Boot one copy of the kernel and initramfs shared by every domain of this process that asks (benches that define many domains). */
  shareFiles?: boolean;
};

let shared: string | undefined;
/** The folder of the shared kernel and initramfs, copied once per process; removed with the last domain. */
function sharedFiles(guest: { kernel: string; initrd: string }): string {
  if (shared !== undefined) return shared;
  const dir = join(LIBVIRT_TEST_ROOT, `bmtest-shared-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  chmodSync(LIBVIRT_TEST_ROOT, 0o755);
  chmodSync(dir, 0o755);
  for (const [from, to] of [[guest.kernel, 'vmlinuz'], [guest.initrd, 'initrd.cpio.gz']] as const) {
    copyFileSync(from, join(dir, to));
    chmodSync(join(dir, to), 0o644);
  }
  shared = dir;
  return dir;
}

/**
 * Defines a TCG domain booting the tiny guest's kernel and initramfs, copied to a folder
 * under /var/lib/bootmedic-test that libvirt-qemu can read (0755 folders, 0644 files): a
 * serial console logged by virtlogd, an ISA pvpanic device (so GUEST_PANICKED and
 * `Crashed Panicked` show) and on_crash as asked (default destroy). Not started.
 * @example
 * const d = defineTinyDomain({ name: 'panic', fault: 'panic' }); d.start(); ... d.remove();
 */
export function defineTinyDomain(o: TinyDomainOptions): TinyDomain {
  const guest = resolveTinyGuest(resolveAppConfig());
  const run = randomBytes(3).toString('hex');
  const name = `bmtest-${run}-${o.name}`;
  const dir = join(LIBVIRT_TEST_ROOT, name);
  mkdirSync(dir, { recursive: true });
  for (const d of [LIBVIRT_TEST_ROOT, dir]) chmodSync(d, 0o755);
  const files = o.shareFiles === true ? sharedFiles(guest) : dir;
  const kernel = join(files, 'vmlinuz');
  const initrd = join(files, 'initrd.cpio.gz');
  if (o.shareFiles !== true) {
    copyFileSync(guest.kernel, kernel);
    chmodSync(kernel, 0o644);
    if (o.noInitrd !== true) {
      copyFileSync(guest.initrd, initrd);
      chmodSync(initrd, 0o644);
    }
  }
  const serialLog = join(dir, 'serial.log');
  const cmdline = ['console=ttyS0,115200 bootmedic.after=idle', o.fault !== undefined ? `bootmedic.fault=${o.fault}` : '', o.append ?? ''].filter((w) => w !== '').join(' ');
  const serial =
    o.serialLog === false
      ? `<serial type='pty'><target port='0'/></serial>`
      : `<serial type='pty'><log file='${esc(serialLog)}' append='on'/><target port='0'/></serial>`;
  const xml = `<domain type='qemu'>
  <name>${esc(name)}</name>
  ${o.metadata !== undefined ? `<metadata>${o.metadata}</metadata>` : ''}
  <memory unit='MiB'>${o.memoryMiB ?? 256}</memory>
  <vcpu>1</vcpu>
  ${o.tunes ?? ''}
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${esc(kernel)}</kernel>
    ${o.noInitrd === true ? '' : `<initrd>${esc(initrd)}</initrd>`}
    <cmdline>${esc(cmdline)}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>${o.onCrash ?? 'destroy'}</on_crash>
  <devices>
    ${serial}
    <console type='pty'><target type='serial' port='0'/></console>
    <panic model='isa'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
  const xmlPath = join(dir, 'domain.xml');
  writeFileSync(xmlPath, xml, { mode: 0o644 });
  virshSync(URI, ['define', xmlPath]);
  let removed = false;
  const running = () => runToolSync('virsh', ['-c', URI, 'domstate', name], { check: false }).stdout.trim() !== 'shut off';
  const remove = () => {
    if (removed) return;
    removed = true;
    defined.delete(name);
    // Only our own domain, by its exact name: destroy (when running), then undefine.
    if (running()) runToolSync('virsh', ['-c', URI, 'destroy', name], { check: false });
    runToolSync('virsh', ['-c', URI, 'undefine', name], { check: false });
    rmSync(dir, { recursive: true, force: true });
    if (defined.size === 0 && shared !== undefined) {
      rmSync(shared, { recursive: true, force: true });
      shared = undefined;
    }
    try {
      if (readdirSync(LIBVIRT_TEST_ROOT).length === 0) rmdirSync(LIBVIRT_TEST_ROOT);
    } catch {
      // Another test's folder is still there, or the root is gone already.
    }
  };
  defined.set(name, remove);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', removeTestDomains);
  }
  return Object.freeze({
    name,
    uri: URI,
    dir,
    serialLog,
    xml,
    start: () => void virshSync(URI, ['start', name]),
    destroy: () => void runToolSync('virsh', ['-c', URI, 'destroy', name], { check: false }),
    remove,
  });
}

/**
 * Registers node:test hooks for a file of libvirt tests: a libvirtd lease before the
 * tests, and after them the removal of every domain the file defined and the release.
 * Returns the skip reason (false when libvirt can run here).
 */
export function useLibvirtd(): { skip: string | false; lease: () => LibvirtdLease } {
  const skip = libvirtSkipReason();
  let lease: LibvirtdLease | undefined;
  if (skip === false) {
    before(async () => {
      lease = await withLibvirtd();
    });
    after(async () => {
      removeTestDomains();
      await lease?.release();
    });
  }
  return {
    skip,
    lease: () => {
      if (lease === undefined) throw new Error('useLibvirtd: no lease (the before hook has not run, or libvirt is skipped)');
      return lease;
    },
  };
}

/** Size of a file, 0 when it does not exist yet. */
export function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}
