// The x86 Linux boot protocol header (kernel Documentation/arch/x86/boot.rst): "HdrS" at
// 0x202, setup_sects at 0x1F1 (0 means 4), syssize at 0x1F4 in 16-byte units. A bzImage is
// the setup sectors plus the boot sector plus the protected-mode payload, so a shorter
// file was cut. An EFI-stub kernel also starts with "MZ".

/** Why the bytes are not a whole x86 bzImage, or undefined when they look whole. */
export function kernelImageProblem(k: Buffer): string | undefined {
  if (k.length < 0x250) return `only ${k.length} bytes`;
  if (k.toString('latin1', 0x202, 0x206) !== 'HdrS') return 'no Linux boot header ("HdrS" at 0x202)';
  const setupSects = k[0x1f1] || 4;
  const syssize = k.readUInt32LE(0x1f4);
  const expected = (setupSects + 1) * 512 + syssize * 16;
  if (k.length < expected) return `truncated: ${k.length} bytes, the boot header says at least ${expected}`;
  return undefined;
}
