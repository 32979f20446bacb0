// grub-mkstandalone puts its stub config in a memdisk: an uncompressed tar inside the EFI
// binary, holding boot/grub/grub.cfg (POSIX ustar: name at 0, octal size at 124, "ustar"
// at 257, data from the next 512-byte block).

/** The embedded boot/grub/grub.cfg of a grub-mkstandalone EFI binary, or undefined when there is none. */
export function memdiskConfig(efi: Buffer): string | undefined {
  let from = 0;
  for (let n = 0; n < 100_000; n++) {
    const i = efi.indexOf('ustar', from, 'latin1');
    if (i < 0) return undefined;
    from = i + 5;
    const h = i - 257;
    if (h < 0 || h + 512 > efi.length) continue;
    const name = efi.toString('latin1', h, h + 100).replace(/\0.*$/s, '').replace(/^\.\//, '');
    if (name !== 'boot/grub/grub.cfg') continue;
    const size = parseInt(efi.toString('latin1', h + 124, h + 136).replace(/\0.*$/s, '').trim(), 8);
    if (!Number.isSafeInteger(size) || size < 0 || h + 512 + size > efi.length) return undefined;
    return efi.toString('utf8', h + 512, h + 512 + size);
  }
  return undefined;
}

/** A one-file ustar archive (for test images that imitate grub-mkstandalone). */
export function tarOneFile(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad, Buffer.alloc(1024)]);
}
