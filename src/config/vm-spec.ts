import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { LIMIT, loadDataFile } from '../core/index.ts';
import { configErrors } from './errors.ts';

/** A string of a VM file: a path, a marker, one QEMU argument. */
const text = () => z.string().max(LIMIT.VM_MAX_STRING_LENGTH);

/** The command line bootmedic gives a kernel it boots directly when the VM names none. */
export const DIRECT_KERNEL_CMDLINE = 'console=ttyS0,115200';

/** Bytes the default command line of a built-in guest may take (the guests' tests hold them to it). */
export const GUEST_CMDLINE_RESERVE = 512;

const ReadySchema = z.discriminatedUnion('type', [
  /** A literal text the guest prints when it is ready (the tiny guest prints one). */
  z.object({ type: z.literal('marker'), text: text().min(1) }).strict(),
  /** A getty login prompt: `<host> login: `. */
  z.object({ type: z.literal('login') }).strict(),
  /** systemd reports reaching a target, e.g. multi-user.target. */
  z.object({ type: z.literal('systemd-target'), target: z.string().regex(/^[\w@.-]+\.target$/) }).strict(),
]);

const DiskSchema = z
  .object({
    path: text().min(1),
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

/** Per-VM resource limits: CPU and memory through cgroups (v2, or mapped onto v1), disk I/O through a QEMU throttle group. */
const LimitsSchema = z
  .object({
    /** CPU time, in CPUs (cpu.max quota); 0.5 is half of one CPU. */
    cpus: z.number().positive().max(64).optional(),
    /** Memory of the whole QEMU process, in MiB (memory.max; burstable: memory.high). */
    memoryMiB: z.number().int().min(16).max(1048576).optional(),
    /** Disk I/O operations per second over all the VM's disks (throttling.iops-total). */
    iops: z.number().int().positive().max(1_000_000).optional(),
    /** Disk bytes per second over all the VM's disks (throttling.bps-total). */
    bytesPerSecond: z.number().int().positive().max(2 ** 40).optional(),
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
    kernel: text().min(1).optional(),
    /** An initramfs; 'none' boots the kernel without one (even when the guest has one). */
    initrd: text().min(1).optional(),
    /** The whole kernel command line; when absent the guest's default is used. */
    cmdline: z.string().optional(),
    /** Appended to the kernel command line (fault switches go here). */
    append: z.string().optional(),
    disks: z.array(DiskSchema).max(LIMIT.VM_MAX_DISKS).default([]),
    firmware: z.enum(['bios', 'uefi']).default('bios'),
    /** UEFI only: OVMF code and variable-store templates; default the Debian ovmf package's 4M files. */
    firmwareCode: text().min(1).optional(),
    firmwareVars: text().min(1).optional(),
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
    /** QoS class: guaranteed (reserved, never overcommitted) or burstable (shares what is free). */
    qos: z.enum(['guaranteed', 'burstable']).default('burstable'),
    limits: LimitsSchema.optional(),
    /** Memory kept free beside this VM when it is admitted, in MiB (default: the app's, 256). */
    admissionHeadroomMiB: z.number().int().min(0).max(1048576).optional(),
    cpus: z.number().int().min(1).max(64).default(1),
    accel: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
    network: z.enum(['none', 'user']).default('none'),
    ready: ReadySchema.default({ type: 'marker', text: 'bootmedic-ready' }),
    stall: StallSchema.default({ defaultSeconds: 60, floorSeconds: 5, factor: 2, percentile: 95 }),
    bootLoop: BootLoopSchema.default({ resets: 3, windowSeconds: 120 }),
    /** Raw console bytes kept per boot before the file rotates. */
    consoleMaxBytes: z.number().int().min(4096).max(1 << 30).default(8 << 20),
    /** Extra QEMU arguments, one array element per argument (never a shell string). */
    qemuArgs: z.array(text()).max(LIMIT.QEMU_MAX_EXTRA_ARGS).default([]),
    /** Refuse to boot any disk that is not a validly signed, non-retired catalogued image (`bootmedic image sign`). */
    requireSignedImages: z.boolean().default(false),
    /**
     * A domain of a libvirt URI instead of a QEMU that bootmedic launches: the libvirt backend
     * (src/libvirt/) drives it, and the QEMU fields above only describe it (read from its XML).
     */
    libvirt: z.object({ uri: text().min(1), domain: text().min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.guest === undefined && v.kernel === undefined && v.disks.length === 0 && v.libvirt === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a VM needs one of: guest (tiny | debian), kernel, disks, or libvirt (a libvirt domain)', path: ['guest'] });
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
    const cmdline = estimatedCommandLine(v);
    if (cmdline.bytes > LIMIT.KERNEL_CMDLINE_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', message: commandLineTooLong(cmdline.bytes, cmdline.bootmedic), path: [v.append !== undefined && v.append !== '' ? 'append' : 'cmdline'] });
    }
    if (v.secureBoot && v.guest === 'tiny') {
      ctx.addIssue({ code: 'custom', message: 'the tiny guest boots its kernel directly, without a signed boot loader; use guest: debian or disks', path: ['secureBoot'] });
    }
  });

/**
 * The kernel command line QEMU is given: the VM's cmdline, else the guest's default (when
 * the guest's kernel boots), else DIRECT_KERNEL_CMDLINE for a kernel the VM names; then append.
 */
export function kernelCommandLine(spec: Pick<VmSpec, 'cmdline' | 'append' | 'kernel'>, guestDefault: string | undefined): string {
  const base = spec.cmdline ?? (spec.kernel === undefined ? guestDefault : undefined) ?? DIRECT_KERNEL_CMDLINE;
  return [base, spec.append].filter((x) => x !== undefined && x !== '').join(' ');
}

/** The longest command line a VM can give its kernel, in bytes, and how much of it bootmedic adds. */
function estimatedCommandLine(v: { guest?: string | undefined; kernel?: string | undefined; cmdline?: string | undefined; append?: string | undefined }): { bytes: number; bootmedic: number } {
  const guestDefault = v.guest !== undefined && v.kernel === undefined && v.cmdline === undefined;
  const bootmedic = v.cmdline !== undefined ? 0 : guestDefault ? GUEST_CMDLINE_RESERVE : Buffer.byteLength(DIRECT_KERNEL_CMDLINE);
  const own = Buffer.byteLength(v.cmdline ?? '') + Buffer.byteLength(v.append ?? '');
  const spaces = v.append !== undefined && v.append !== '' && (bootmedic > 0 || (v.cmdline ?? '') !== '') ? 1 : 0;
  return { bytes: bootmedic + own + spaces, bootmedic };
}

function commandLineTooLong(bytes: number, bootmedic: number): string {
  const ours = bootmedic > 0 ? ` (${bootmedic} of them bootmedic's default)` : '';
  return `the kernel command line would be ${bytes} bytes${ours}, more than the x86 limit of ${LIMIT.KERNEL_CMDLINE_MAX_BYTES} (COMMAND_LINE_SIZE); the kernel would cut it silently`;
}

/** Throws CONFIG_VM_INVALID when the command line QEMU would be given is past the kernel's limit. */
export function assertCommandLineFits(where: string, cmdline: string): void {
  const bytes = Buffer.byteLength(cmdline);
  if (bytes > LIMIT.KERNEL_CMDLINE_MAX_BYTES) throw configErrors.make('CONFIG_VM_INVALID', `${where}: cmdline + append (with the guest's default): ${commandLineTooLong(bytes, 0)}`);
}

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

/** Reads and validates a vm.yaml file (a regular file of at most VM_FILE_MAX_BYTES, bounded YAML). */
export function loadVmSpec(path: string): VmSpec {
  const raw = loadDataFile(path, {
    what: 'VM file',
    format: 'yaml',
    maxBytes: LIMIT.VM_FILE_MAX_BYTES,
    missing: (m) => configErrors.make('CONFIG_VM_NOT_FOUND', m),
    fail: (m) => configErrors.make('CONFIG_VM_BAD_YAML', m),
  });
  const spec = parseVmSpec(raw, `VM file ${path}`, dirname(resolve(path)));
  return Object.freeze({ ...spec, sourcePath: resolve(path) });
}
