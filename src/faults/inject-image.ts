// Disk-image injectors: the faults of ../shared/corpus/real-boot-failures/INDEX.md for a
// disk-booted guest (the Debian one). Each damages a qcow2 overlay in the drill's work dir
// whose backing file is the guest's image, so the cached base image is only ever read.
// ESP files are changed with mtools (`-i region@@offset`), the root with `debugfs -w`, raw
// sectors through the image part's region writers (qemu-io for qcow2).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeImage, openRegion, writeBytes, type ImageFacts } from '../image/index.ts';
import { faultErrors } from './errors.ts';
import { assertNever, lastLines, runToolSync, withTempFile } from '../core/index.ts';

/** The disk-image operations an `image` injection can name. */
export const IMAGE_OPS = [
  'delete-esp-file', 'truncate-esp-file', 'corrupt-esp-file', 'edit-grub-cfg', 'set-root-uuid', 'append-cmdline', 'set-stub-prefix',
  'wipe-gpt', 'wipe-primary-gpt', 'fstab-add-missing-device', 'fstab-bad-option', 'zero-ext4-superblock',
  'ext4-multiply-claimed-block', 'add-crash-unit',
] as const;
export type ImageOp = (typeof IMAGE_OPS)[number];

/** One image injection: the op and its parameters (each op reads the ones it needs). */
export type ImageInjection = Readonly<{
  op: ImageOp;
  /** delete-esp-file / truncate-esp-file / corrupt-esp-file: `kernel`, `initrd` (of the first menu entry) or an ESP path. */
  file?: string | undefined;
  /** truncate-esp-file: bytes kept (at most size-1), else the `keep` fraction. */
  bytes?: number | undefined;
  keep?: number | undefined;
  /** corrupt-esp-file: the byte flipped (all 8 bits), counted from the start of the file. */
  offset?: number | undefined;
  /** set-root-uuid: the UUID; append-cmdline: the words; set-stub-prefix: the prefix; fstab-bad-option: the option. */
  value?: string | undefined;
  /** ext4-multiply-claimed-block: the file whose extent is re-pointed, and the file whose block it then shares. */
  victim?: string | undefined;
  donor?: string | undefined;
}>;

const SECTOR = 512;
/** corrupt-esp-file defaults: the signed GRUB of the Secure Boot variant, 1 MiB in (its `mods` section, which the signature covers). */
const DEFAULT_CORRUPT_FILE = 'EFI/BOOT/grubx64.efi';
const DEFAULT_CORRUPT_OFFSET = 1 << 20;
const hex2 = (b: number) => b.toString(16).padStart(2, '0');
/** LBA 0-33: protective MBR, GPT header and the 128-entry array (UEFI 2.10 §5.3). */
const GPT_SECTORS = 34;

/** Creates a qcow2 overlay at `overlay` backed by `base`; only the overlay is ever written. */
export function createDiskOverlay(base: string, format: 'raw' | 'qcow2', overlay: string): void {
  mkdirSync(join(overlay, '..'), { recursive: true });
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', format, '-b', base, overlay], { timeoutMs: 60_000 });
}

function fail(what: string): never {
  throw faultErrors.make('FAULT_NOT_APPLICABLE', what);
}

/** Runs `fn` with the ESP as an mtools image spec (`path@@offset`), committing its writes. */
function withEsp(disk: string, format: 'raw' | 'qcow2', f: ImageFacts, fn: (img: string) => void): void {
  const esp = f.esp ?? fail(`${disk}: no ESP partition`);
  const region = openRegion(disk, format, esp.offset, esp.size);
  try {
    fn(`${region.path}@@${region.offset}`);
    region.commit();
  } finally {
    region.dispose();
  }
}

function writeEspFile(disk: string, format: 'raw' | 'qcow2', f: ImageFacts, path: string, data: Buffer | string): void {
  withEsp(disk, format, f, (img) => withTempFile(data, (tmp) => runToolSync('mcopy', ['-o', '-i', img, tmp, `::/${path.replace(/^\/+/, '')}`])));
}

/** The e2fsprogs device name of a filesystem `offset` bytes into a raw file (unix_io "offset=" option). */
export function e2Device(rawPath: string, offset: number): string {
  if (rawPath.includes('?')) throw faultErrors.make('FAULT_TOOL_FAILED', `${rawPath}: e2fsprogs cannot open a path holding '?'`);
  return `${rawPath}?offset=${offset}`;
}

/** Runs debugfs -w commands on the root filesystem, committing the writes. */
function debugfsWrite(disk: string, format: 'raw' | 'qcow2', f: ImageFacts, cmds: string[]): string {
  const root = f.root ?? fail(`${disk}: no root filesystem found`);
  const region = openRegion(disk, format, root.offset, root.size);
  try {
    const r = runToolSync('debugfs', ['-w', '-f', '-', e2Device(region.path, region.offset)], { check: false, input: cmds.join('\n') + '\n', timeoutMs: 60_000 });
    if (r.code !== 0 || /while |Filesystem not open|No free space|not found/i.test(r.stderr.replace(/^debugfs \d.*$/m, ''))) fail(`debugfs on ${disk}: ${lastLines(r.stderr)}`);
    region.commit();
    return r.stdout;
  } finally {
    region.dispose();
  }
}

function debugfsRead(disk: string, format: 'raw' | 'qcow2', f: ImageFacts, request: string): string {
  const root = f.root ?? fail(`${disk}: no root filesystem found`);
  const region = openRegion(disk, format, root.offset, root.size);
  try {
    return runToolSync('debugfs', ['-R', request, e2Device(region.path, region.offset)], { check: false, timeoutMs: 30_000 }).stdout;
  } finally {
    region.dispose();
  }
}

function replaceRootFile(path: string, tmp: string): string[] {
  return [`rm ${path}`, `write ${tmp} ${path}`, `sif ${path} uid 0`, `sif ${path} gid 0`, `sif ${path} mode 0100644`];
}

function readFstab(disk: string, format: 'raw' | 'qcow2', f: ImageFacts): string {
  // Inspection read /etc/fstab already (debugfs cat); without it there is nothing to edit.
  return f.fstabText ?? fail(`${disk}: the root has no readable /etc/fstab`);
}

/** The grub-mkstandalone memdisk tar header of boot/grub/grub.cfg inside an EFI binary (grub-memdisk.ts reads the same). */
function stubHeader(efi: Buffer): number | undefined {
  for (let from = 0; ; ) {
    const i = efi.indexOf('ustar', from, 'latin1');
    if (i < 0) return undefined;
    from = i + 5;
    const h = i - 257;
    if (h >= 0 && efi.toString('latin1', h, h + 100).replace(/\0.*$/s, '').replace(/^\.\//, '') === 'boot/grub/grub.cfg') return h;
  }
}

/** Rewrites the embedded stub config in place: it must fit the file's 512-byte-padded tar slot. */
function setStubConfig(efi: Buffer, edit: (cfg: string) => string): Buffer {
  const h = stubHeader(efi) ?? fail('the loader has no embedded boot/grub/grub.cfg');
  const size = parseInt(efi.toString('latin1', h + 124, h + 136).replace(/\0.*$/s, '').trim(), 8);
  const next = Buffer.from(edit(efi.toString('utf8', h + 512, h + 512 + size)));
  const room = Math.ceil(size / SECTOR) * SECTOR;
  if (next.length > room) fail(`the new stub config (${next.length} bytes) does not fit its ${room}-byte slot`);
  const out = Buffer.from(efi);
  out.fill(0, h + 512, h + 512 + room);
  next.copy(out, h + 512);
  out.write(next.length.toString(8).padStart(11, '0') + '\0', h + 124, 'latin1');
  // ustar checksum: the header's bytes summed with the checksum field read as spaces.
  out.fill(' ', h + 148, h + 156);
  let sum = 0;
  for (let i = h; i < h + 512; i++) sum += out[i]!;
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', h + 148, 'latin1');
  return out;
}

function espPath(f: ImageFacts, file: string | undefined): string {
  const entry = f.grub?.entries.find((e) => e.linux !== undefined);
  const p = file === 'kernel' || file === undefined ? entry?.linux : file === 'initrd' ? entry?.initrds[0] : file;
  if (p === undefined || f.fat?.find(p) === undefined) fail(`the ESP has no ${file ?? 'kernel'} file${p ? ` (${p})` : ''}`);
  return p;
}

/** The kernel, initrd and kernel arguments of a disk's first GRUB menu entry, copied off its ESP into `dir`. */
export function extractBootFiles(disk: string, dir: string): { kernel: string; initrd: string; args: string } {
  const a = analyzeImage(disk, { qemuImgCheck: false });
  try {
    const f = a.facts;
    const entry = f.grub?.entries.find((e) => e.linux !== undefined) ?? fail(`${disk}: grub.cfg has no menu entry with a kernel`);
    const copy = (p: string, name: string) => {
      const data = f.fat?.find(p) !== undefined ? f.fat.readFile(p) : fail(`${disk}: the ESP has no ${p}`);
      const out = join(dir, name);
      writeFileSync(out, data);
      return out;
    };
    mkdirSync(dir, { recursive: true });
    const initrd = entry.initrds[0] ?? fail(`${disk}: the first menu entry loads no initrd`);
    return { kernel: copy(entry.linux!, 'vmlinuz'), initrd: copy(initrd, 'initrd.img'), args: entry.args.join(' ') };
  } finally {
    a.close();
  }
}

function grubCfg(f: ImageFacts): { path: string; text: string } {
  const path = f.grubCfgPath ?? fail('the ESP has no grub.cfg');
  return { path, text: f.fat!.readFile(path).toString('utf8') };
}

/** Applies one image op to `disk` (raw or qcow2) in place and says what it did; callers pass a copy or an overlay. */
export function applyImageOp(disk: string, format: 'raw' | 'qcow2', inj: ImageInjection): string {
  const a = analyzeImage(disk, { qemuImgCheck: false });
  try {
    const f = a.facts;
    switch (inj.op) {
      case 'delete-esp-file': {
        const p = espPath(f, inj.file);
        withEsp(disk, format, f, (img) => runToolSync('mdel', ['-i', img, `::/${p.replace(/^\/+/, '')}`]));
        return `deleted ${p} from the ESP`;
      }
      case 'truncate-esp-file': {
        const p = espPath(f, inj.file ?? 'initrd');
        const data = f.fat!.readFile(p);
        const keep = Math.min(inj.bytes ?? Math.floor(data.length * (inj.keep ?? 0.33)), data.length - 1);
        writeEspFile(disk, format, f, p, data.subarray(0, keep));
        return `cut ${p} on the ESP from ${data.length} to ${keep} bytes`;
      }
      case 'corrupt-esp-file': {
        // Default: the second stage shim verifies under Secure Boot. A flipped byte inside a
        // section changes the Authenticode hash, so the file no longer matches its signature.
        const p = espPath(f, inj.file ?? DEFAULT_CORRUPT_FILE);
        const data = Buffer.from(f.fat!.readFile(p));
        const at = inj.offset ?? DEFAULT_CORRUPT_OFFSET;
        if (at >= data.length) fail(`${p} has ${data.length} bytes; offset ${at} is past its end`);
        const was = data[at]!;
        data[at] = was ^ 0xff;
        writeEspFile(disk, format, f, p, data);
        return `flipped byte ${at} of ${p} on the ESP (0x${hex2(was)} -> 0x${hex2(data[at]!)})`;
      }
      case 'edit-grub-cfg': {
        const { path, text } = grubCfg(f);
        const i = text.lastIndexOf('}');
        if (i < 0) fail(`${path} has no closing brace`);
        writeEspFile(disk, format, f, path, text.slice(0, i) + text.slice(i + 1));
        return `removed the final '}' of ${path}`;
      }
      case 'set-root-uuid': {
        const { path, text } = grubCfg(f);
        const uuid = inj.value ?? '00000000-dead-beef-0000-000000000000';
        if (!/root=UUID=\S+/.test(text)) fail(`${path} has no root=UUID=`);
        writeEspFile(disk, format, f, path, text.replace(/root=UUID=\S+/g, `root=UUID=${uuid}`));
        return `set root=UUID=${uuid} in ${path}`;
      }
      case 'append-cmdline': {
        const { path, text } = grubCfg(f);
        const words = inj.value ?? fail('append-cmdline needs a value');
        let n = 0;
        const next = text.split('\n').map((l) => (/^\s*linux(efi|16)?\s/.test(l) ? (n++, `${l.trimEnd()} ${words}`) : l)).join('\n');
        if (n === 0) fail(`${path} has no linux line`);
        writeEspFile(disk, format, f, path, next);
        return `appended '${words}' to ${n} linux line(s) of ${path}`;
      }
      case 'set-stub-prefix': {
        const loader = f.fat?.list().find((e) => !e.isDir && /^efi\/boot\/bootx64\.efi$/i.test(e.path)) ?? fail('the ESP has no EFI/BOOT/BOOTX64.EFI');
        const prefix = inj.value ?? '($root)/EFI/debian';
        const efi = setStubConfig(f.fat!.readFile(loader.path), (cfg) => (/^configfile /m.test(cfg) ? cfg.replace(/^configfile /m, `set prefix=${prefix}\nconfigfile `) : `${cfg}set prefix=${prefix}\n`));
        writeEspFile(disk, format, f, loader.path, efi);
        return `set prefix=${prefix} in the config embedded in ${loader.path}`;
      }
      case 'wipe-gpt':
      case 'wipe-primary-gpt': {
        writeBytes(disk, format, 0, Buffer.alloc(GPT_SECTORS * SECTOR));
        if (inj.op === 'wipe-primary-gpt') return `zeroed LBA 0-${GPT_SECTORS - 1}`;
        writeBytes(disk, format, f.size - (GPT_SECTORS - 1) * SECTOR, Buffer.alloc((GPT_SECTORS - 1) * SECTOR));
        return `zeroed LBA 0-${GPT_SECTORS - 1} and the last ${GPT_SECTORS - 1} sectors`;
      }
      case 'fstab-add-missing-device':
      case 'fstab-bad-option': {
        const old = readFstab(disk, format, f);
        let next: string;
        if (inj.op === 'fstab-add-missing-device') next = `${old.replace(/\n?$/, '\n')}UUID=${inj.value ?? '11111111-2222-4333-8444-555555555555'} /srv/data ext4 defaults 0 2\n`;
        else {
          const lines = old.split('\n');
          const i = lines.findIndex((l) => /^\s*\S+\s+\/boot\/efi\s/.test(l));
          if (i < 0) fail('/etc/fstab has no /boot/efi line');
          const fields = lines[i]!.trim().split(/\s+/);
          while (fields.length < 4) fields.push('defaults');
          fields[3] = `${fields[3]},${inj.value ?? 'bogusopt'}`;
          lines[i] = fields.join('\t');
          next = lines.join('\n');
        }
        withTempFile(next, (tmp) => debugfsWrite(disk, format, f, replaceRootFile('/etc/fstab', tmp)));
        return inj.op === 'fstab-bad-option' ? `added mount option '${inj.value ?? 'bogusopt'}' to the /boot/efi line of /etc/fstab` : 'added an fstab line for an ext4 UUID no disk has (/srv/data, pass 2)';
      }
      case 'zero-ext4-superblock': {
        const root = f.root ?? fail(`${disk}: no root filesystem found`);
        writeBytes(disk, format, root.offset + 1024, Buffer.alloc(1024));
        return `zeroed the primary ext4 superblock of partition ${root.index}`;
      }
      case 'ext4-multiply-claimed-block': {
        const victim = inj.victim ?? '/etc/hostname';
        const donor = inj.donor ?? '/etc/passwd';
        const block = /^\s*(\d+)\s*$/m.exec(debugfsRead(disk, format, f, `bmap ${donor} 0`))?.[1] ?? fail(`no data block for ${donor}`);
        // An extent inode keeps the header in i_block[0..2]; the first extent's start (low 32 bits) is i_block[5] (ext4 disk layout, "Extent Tree").
        const word = /EXTENTS:/.test(debugfsRead(disk, format, f, `stat ${victim}`)) ? 5 : 0;
        debugfsWrite(disk, format, f, [`sif ${victim} block[${word}] ${block}`, 'ssv state 0']);
        return `pointed ${victim} at block ${block} of ${donor} and marked the filesystem not clean`;
      }
      case 'add-crash-unit': {
        const unit = '[Unit]\nDescription=bootmedic drill: crash the kernel late in boot\nAfter=multi-user.target getty.target\n\n[Service]\nType=oneshot\nExecStart=/bin/sh -c "sleep 3; echo c > /proc/sysrq-trigger"\n\n[Install]\nWantedBy=multi-user.target\n';
        const path = '/etc/systemd/system/crash-late.service';
        const wants = '/etc/systemd/system/multi-user.target.wants';
        const hasWants = /Inode:/.test(debugfsRead(disk, format, f, `stat ${wants}`));
        withTempFile(unit, (tmp) => debugfsWrite(disk, format, f, [...(hasWants ? [] : [`mkdir ${wants}`]), `write ${tmp} ${path}`, `sif ${path} mode 0100644`, `symlink ${wants}/crash-late.service ${path}`]));
        return `added ${path} (sysrq crash 3 s after multi-user) and enabled it`;
      }
      default:
        return assertNever(inj.op, 'image operation');
    }
  } finally {
    a.close();
  }
}
