// A source scan that keeps paths from users and data on the guarded open: every direct
// node:fs call that opens, reads, copies or stats a path must be listed here with the
// reason it is safe, and with how many such calls the file makes. A new call (in a new
// file or a listed one) fails this test until it goes through guarded-file.ts or is
// listed. Reads of bootmedic's own files beside the code (`new URL(..., import.meta.url)`
// on the same line) are safe by construction and not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CALL = /\b(openSync|readFileSync|createReadStream|statSync|lstatSync|copyFileSync|readdirSync|opendirSync|readFile|open|copyFile|stat|opendir)\(/g;
const OWN = /import\.meta\.url/;

const HOME = "files bootmedic writes itself in its home or cache (state, keys, ledger, guest builds)";
const OWN_DATA = 'its own data file beside the code (the URL is built a line above)';

/** File → [number of direct calls, why each is safe]. */
const ALLOWED: Readonly<Record<string, [number, string]>> = {
  'src/core/guarded-file.ts': [3, 'the guarded open itself'],
  'src/core/atomic-write.ts': [2, 'opens and copies onto the temporary file it creates beside a state file of its own'],
  'src/core/host-tool/run-tool.ts': [1, "creates the output file a caller names for a tool's stdout (stdoutTo: a temporary file of bootmedic's)"],
  'src/monitor/nab/corpus.ts': [2, 'readdirSync of the data folder checked with checkPath as a directory, and of its sub-folders listed with their types'],
  'src/supervisor/open-boot.ts': [1, HOME],
  'src/supervisor/vm-lock.ts': [1, HOME],
  'src/monitor/collect/host.ts': [2, 'the kernel\'s own files under /proc and /sys (fixed paths, never from a user)'],
  'src/resources/cgroup.ts': [2, "the kernel's cgroup files (cgroup.controllers under the configured cgroup root, /proc/mounts)"],
  'src/resources/cgroup-v1.ts': [1, '/proc/mounts (a fixed kernel path; tests pass a mounts table of their own)'],
  'src/resources/cgroup-files.ts': [3, "readdirSync of bootmedic's own folder in a cgroup hierarchy, and each VM group's cgroup.procs and CPU weight (kernel cgroup files)"],
  'src/resources/io-devices.ts': [4, "a statSync of a disk image for its device number (a stat does not block on a FIFO); the dev and uevent files of its disk under /sys; the cgroup root's cgroup.controllers"],
  'src/resources/admission-tickets.ts': [1, 'readdirSync of its own admission-queue folder in the home (each ticket read with readGuardedText)'],
  'src/libvirt/heal/domain-tunes.ts': [2, "/run/libvirtd.pid and /proc/<pid>/status (fixed system paths, never from a user)"],
  'src/resources/host-memory.ts': [3, '/proc/meminfo and /proc/<pid>/status (fixed kernel paths); readdirSync of its own reservations folder (each file read with readGuardedText)'],
  'src/resources/vm-priority.ts': [1, 'readdirSync of /proc/<pid>/task of a QEMU bootmedic launched (a fixed kernel path)'],
  'src/monitor/forecast/sources.ts': [3, "/proc/meminfo; a statSync of the watched image (a stat does not block on a FIFO); a comment citing stat(2)"],
  'src/config/fuzz-targets.ts': [2, 'test-only fuzz target: reads the example VM files of the repository'],
  'src/console/fuzz-targets.ts': [2, 'test-only fuzz target: reads the recorded consoles of testkit/consoles'],
  'src/image/fuzz-disk-targets.ts': [1, 'test-only fuzz target: reads the test image it built'],
  'src/catalogue/policy.ts': [1, 'statSync only, for a ctime: a stat does not block on a FIFO'],
  'src/catalogue/signing.ts': [1, HOME],
  'src/console/console-recorder.ts': [2, 'creates the boot console file in the run folder (O_CREAT, mode 0600)'],
  'src/diagnose/host-state.ts': [1, '/proc/meminfo'],
  'src/drill/finish.ts': [1, 'the drill report it has just written'],
  'src/drill/drill-vm.ts': [2, 'copies of the golden disk in the drill folder it built'],
  'src/guest/debian/build.ts': [7, HOME],
  'src/guest/debian/disk.ts': [6, 'the image under construction and its parts in the build folder'],
  'src/guest/debian/grub.ts': [2, HOME],
  'src/guest/debian/recipe.ts': [1, OWN_DATA],
  'src/guest/debian/rootfs.ts': [7, 'the debootstrap tree it builds, and /proc/self/mountinfo'],
  'src/guest/tiny/build.ts': [3, HOME],
  'src/guest/tiny/debs.ts': [1, HOME],
  'src/hypervisor/qemu/accel.ts': [1, HOME],
  'src/hypervisor/qemu/qemu-hypervisor.ts': [1, 'copies the UEFI variable store that must() checked through checkPath just before'],
  'src/image/mount-options.ts': [1, OWN_DATA],
  'src/image/repair-catalogue.ts': [1, OWN_DATA],
  'src/image/snapshot.ts': [1, 'copies the disk after checkPath above'],
  'src/ledger/ledger-files.ts': [2, HOME],
  'src/libvirt/libvirt-hypervisor.ts': [1, "statSync only, for the size of a domain's serial log: a stat does not block on a FIFO (the tail opens it through the guarded open)"],
  'src/ledger/ledger.ts': [3, HOME],
  'src/ledger/tile-writer.ts': [2, 'lists its own partial-tile folder; the export target is checked with checkPath on the same line'],
  'src/ledger/witnessed.ts': [2, 'lists witness folders (readdirSync) after checkPath(kind directory); each file in them is read with readGuardedText'],
  'src/ledger/verify.ts': [4, `the ledger's own key and tiles checkpoint in its home (${HOME})`],
  'src/recovery/forensics.ts': [1, 'copies the console log of a boot it recorded'],
  'src/recovery/vm-config.ts': [2, HOME],
  'src/service/drills.ts': [1, "readdirSync of its own <home>/drills folder; the files in it are read through readGuardedText"],
  'src/service/vm-sources.ts': [1, 'readdirSync of vms.dir checked with checkPath as a directory just before; each file is opened by loadVmSpec (guarded)'],
  'src/signatures/analyze-log.ts': [1, 'a JSDoc @example, not a call'],
  'src/signatures/kb.ts': [1, OWN_DATA],
  'src/signatures/kernel-report/evaluate-titles.ts': [1, 'readdirSync of a folder checkPath checked as a directory just before'],
  'src/signatures/kernel-report/rules.ts': [1, OWN_DATA],
};

function directCalls(file: string): number {
  let n = 0;
  for (const line of readFileSync(`${root}/${file}`, 'utf8').split('\n')) {
    if (OWN.test(line) || /^\s*import /.test(line)) continue;
    // Method calls on another object (fat.readFile, store.open, Ledger.open) and method
    // declarations (`readFile(p) {` at the start of a line) are not node:fs.
    for (const m of line.matchAll(CALL)) {
      const rest = line.slice(m.index);
      const declaration = /^\s*((static|async|private|public|protected)\s+)*$/.test(line.slice(0, m.index)) && (/\)\s*\{\s*$/.test(rest) || /\):\s*\w/.test(rest));
      if (line[m.index - 1] !== '.' && !declaration) n++;
    }
  }
  return n;
}

test('paths from users and data go through the guarded open: every direct fs call is listed with its reason', () => {
  const files = globSync('src/**/*.ts', { cwd: root }).filter((f) => !f.endsWith('.test.ts')).sort();
  const found: Record<string, number> = {};
  for (const f of files) {
    const n = directCalls(f);
    if (n > 0) found[f] = n;
  }
  const unlisted = Object.keys(found).filter((f) => ALLOWED[f] === undefined);
  assert.deepEqual(unlisted, [], 'open these paths through checkPath/openGuarded/readGuarded/streamGuarded/copyGuarded/loadDataFile (src/core), or list the file here with why it is safe');
  for (const [f, [count]] of Object.entries(ALLOWED)) {
    assert.equal(found[f] ?? 0, count, `${f}: ${found[f] ?? 0} direct fs calls, ${count} listed; route the new one through the guarded open, or update the count and the reason`);
  }
});
