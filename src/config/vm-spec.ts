import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configErrors } from './errors.ts';

const ReadySchema = z.discriminatedUnion('type', [
  /** A literal text the guest prints when it is ready (the tiny guest prints one). */
  z.object({ type: z.literal('marker'), text: z.string().min(1) }).strict(),
  /** A getty login prompt: `<host> login: `. */
  z.object({ type: z.literal('login') }).strict(),
  /** systemd reports reaching a target, e.g. multi-user.target. */
  z.object({ type: z.literal('systemd-target'), target: z.string().regex(/^[\w@.-]+\.target$/) }).strict(),
]);

const DiskSchema = z
  .object({
    path: z.string().min(1),
    format: z.enum(['qcow2', 'raw']).default('qcow2'),
    interface: z.enum(['virtio', 'ide']).default('virtio'),
  })
  .strict();

const StallSchema = z
  .object({
    /** Budget before any good boot of this VM is known. */
    defaultSeconds: z.number().positive().max(3600).default(60),
    /** Never call a stall sooner than this, however fast the good boots were. */
    floorSeconds: z.number().positive().max(3600).default(5),
    /** Budget = factor × the chosen percentile of good boots' per-phase gap. */
    factor: z.number().min(1).max(100).default(2),
    percentile: z.number().min(50).max(100).default(95),
  })
  .strict();

const BootLoopSchema = z
  .object({
    resets: z.number().int().min(2).max(100).default(3),
    windowSeconds: z.number().positive().max(86400).default(120),
  })
  .strict();

export const VmSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit'),
    /** A guest that bootmedic builds itself (`bootmedic guest build <name>`). */
    guest: z.enum(['tiny', 'debian']).optional(),
    kernel: z.string().min(1).optional(),
    /** An initramfs; 'none' boots the kernel without one (even when the guest has one). */
    initrd: z.string().min(1).optional(),
    /** The whole kernel command line; when absent the guest's default is used. */
    cmdline: z.string().optional(),
    /** Appended to the kernel command line (fault switches go here). */
    append: z.string().optional(),
    disks: z.array(DiskSchema).default([]),
    firmware: z.enum(['bios', 'uefi']).default('bios'),
    /** UEFI only: OVMF code and variable-store templates; default the Debian ovmf package's 4M files. */
    firmwareCode: z.string().min(1).optional(),
    firmwareVars: z.string().min(1).optional(),
    /**
     * UEFI Secure Boot: OVMF's secure-boot build with Microsoft's keys enrolled, SMM on and
     * the flash secured; the debian guest is its signed variant (`guest build debian --secure-boot`).
     */
    secureBoot: z.boolean().default(false),
    /** A hardware watchdog for the guest to pet; when it fires QEMU reports WATCHDOG and pauses the VM. */
    watchdog: z.enum(['none', 'i6300esb']).default('none'),
    /** A virtio balloon (`-device virtio-balloon-pci,id=balloon0`) whose statistics report the guest's free memory over QMP. */
    balloon: z.boolean().default(false),
    /** The guest's operating system; `windows` gives the CPU Hyper-V's crash MSRs (hvCrash). */
    os: z.enum(['linux', 'windows', 'other']).default('linux'),
    /**
     * `-cpu <model>,hv-crash`: the guest writes its stop code and parameters to Hyper-V's crash
     * MSRs and QEMU reports them in GUEST_PANICKED (info type hyper-v). Default: on for os windows.
     */
    hvCrash: z.boolean().optional(),
    /** QEMU machine type. */
    machine: z.enum(['q35', 'pc']).default('q35'),
    memoryMiB: z.number().int().min(16).max(1048576).default(256),
    cpus: z.number().int().min(1).max(64).default(1),
    accel: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
    network: z.enum(['none', 'user']).default('none'),
    ready: ReadySchema.default({ type: 'marker', text: 'bootmedic-ready' }),
    stall: StallSchema.default({ defaultSeconds: 60, floorSeconds: 5, factor: 2, percentile: 95 }),
    bootLoop: BootLoopSchema.default({ resets: 3, windowSeconds: 120 }),
    /** Raw console bytes kept per boot before the file rotates. */
    consoleMaxBytes: z.number().int().min(4096).max(1 << 30).default(8 << 20),
    /** Extra QEMU arguments, one array element per argument (never a shell string). */
    qemuArgs: z.array(z.string()).default([]),
    /** Refuse to boot any disk that is not a validly signed, non-retired catalogued image (`bootmedic image sign`). */
    requireSignedImages: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.guest === undefined && v.kernel === undefined && v.disks.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'a VM needs one of: guest (tiny | debian), kernel, or disks', path: ['guest'] });
    }
    if (v.initrd !== undefined && v.initrd !== 'none' && v.kernel === undefined && v.guest === undefined) {
      ctx.addIssue({ code: 'custom', message: 'initrd needs kernel', path: ['initrd'] });
    }
    if (v.secureBoot && v.firmware !== 'uefi') {
      ctx.addIssue({ code: 'custom', message: `Secure Boot is a UEFI feature: set firmware: uefi (firmware is ${v.firmware})`, path: ['secureBoot'] });
    }
    if (v.secureBoot && v.machine !== 'q35') {
      ctx.addIssue({ code: 'custom', message: "OVMF's Secure Boot build needs SMM, which it supports on machine q35 only", path: ['secureBoot'] });
    }
    if (v.secureBoot && v.guest === 'tiny') {
      ctx.addIssue({ code: 'custom', message: 'the tiny guest boots its kernel directly, without a signed boot loader; use guest: debian or disks', path: ['secureBoot'] });
    }
  });

/** A validated, frozen VM description; paths are absolute. */
export type VmSpec = Readonly<z.output<typeof VmSpecSchema>> & { readonly sourcePath?: string };
export type ReadySignal = z.output<typeof ReadySchema>;

/** Formats zod issues as `field: problem` lines that name the allowed values. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : '(top level)';
      if (i.code === 'invalid_value' && 'values' in i) return `${field}: must be one of ${(i.values as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
      if (i.code === 'unrecognized_keys') return `${field}: unknown field(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      return `${field}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Validates a plain object as a VM spec. Relative paths resolve against `baseDir`.
 * Throws CONFIG_VM_INVALID naming the bad field and the allowed values.
 */
export function parseVmSpec(input: unknown, where: string, baseDir: string): VmSpec {
  const r = VmSpecSchema.safeParse(input);
  if (!r.success) {
    throw configErrors.make('CONFIG_VM_INVALID', `${where}: ${describeIssues(r.error.issues)}`);
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const v = r.data;
  const out = {
    ...v,
    ...(v.kernel !== undefined ? { kernel: abs(v.kernel) } : {}),
    ...(v.initrd !== undefined ? { initrd: v.initrd === 'none' ? 'none' : abs(v.initrd) } : {}),
    ...(v.firmwareCode !== undefined ? { firmwareCode: abs(v.firmwareCode) } : {}),
    ...(v.firmwareVars !== undefined ? { firmwareVars: abs(v.firmwareVars) } : {}),
    disks: v.disks.map((d) => Object.freeze({ ...d, path: abs(d.path) })),
  };
  return Object.freeze(out);
}

/** Reads and validates a vm.yaml file. */
export function loadVmSpec(path: string): VmSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw configErrors.make('CONFIG_VM_NOT_FOUND', `VM file ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause)}`, { cause });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw configErrors.make('CONFIG_VM_BAD_YAML', `VM file ${path}${at}: ${e.message.split('\n')[0]}`);
  }
  const spec = parseVmSpec(doc.toJS(), `VM file ${path}`, dirname(resolve(path)));
  return Object.freeze({ ...spec, sourcePath: resolve(path) });
}
