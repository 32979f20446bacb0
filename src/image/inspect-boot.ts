// Inspection of the boot path: BIOS boot code, the ESP, the loader's embedded config,
// grub.cfg and the kernel and initrd files it names.
import { createHash } from 'node:crypto';
import { isBootmedicError } from '../core/index.ts';
import { sliceReader, type DiskReader } from './disk-reader.ts';
import { openFat, type FatFs } from './fat.ts';
import { PART_TYPE } from './gpt.ts';
import { parseGrubCfg, type GrubConfig } from './grub-cfg.ts';
import { memdiskConfig } from './grub-memdisk.ts';
import { inspectInitrd } from './initrd.ts';
import type { ImageFacts } from './inspect.ts';
import { matchSpec } from './inspect-root.ts';
import { kernelImageProblem } from './kernel-image.ts';
import type { CheckList } from './report.ts';

const REPAIR = (p: string) => `bootmedic image repair ${p} --from <golden>`;
const GRUB_CFG_CANDIDATES = ['EFI/debian/grub.cfg', 'EFI/BOOT/grub.cfg', 'boot/grub/grub.cfg', 'grub/grub.cfg'];

/** A BIOS-booting GPT disk needs GRUB's boot.img code in LBA 0 and its core image in the BIOS boot partition. */
export function checkBiosBoot(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
  const bb = f.table!.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot);
  if (bb === undefined) return;
  const code = disk.read(0, 440);
  const core = disk.read(bb.offset, Math.min(bb.size, 512));
  const problems: string[] = [];
  if (code.every((b) => b === 0)) problems.push('LBA 0 holds no boot code');
  if (core.every((b) => b === 0)) problems.push(`BIOS boot partition ${bb.index} is empty (no GRUB core image)`);
  if (problems.length > 0) checks.problem('bios.boot-code', problems.join('; '), `${REPAIR(f.path)} (copies the boot code and core image from the golden image)`);
  else checks.ok('bios.boot-code', `boot code in LBA 0${code.includes(Buffer.from('GRUB')) ? ' (GRUB)' : ''}, core image in partition ${bb.index}`);
}

/** Adds the ESP, loader, grub.cfg and boot-file checks. */
export function inspectEsp(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
  const parts = f.table!.partitions;
  const esp = parts.find((p) => p.typeGuid === PART_TYPE.esp) ?? f.filesystems.find((x) => x.kind === 'vfat')?.partition;
  f.esp = esp;
  if (esp === undefined) {
    checks.problem('esp.present', `no EFI system partition among ${parts.length} partition(s)`, REPAIR(f.path));
    return;
  }
  checks.ok('esp.present', `partition ${esp.index} ("${esp.name}"), ${esp.size} bytes at offset ${esp.offset}`);
  try {
    const fat = openFat(sliceReader(disk, esp.offset, esp.size, 'ESP'));
    const files = fat.list();
    f.fat = fat;
    checks.ok('esp.filesystem', `${fat.type}, volume id ${fat.volumeId}, ${files.filter((x) => !x.isDir).length} file(s)`);
  } catch (e) {
    if (!isBootmedicError(e)) throw e;
    checks.problem('esp.filesystem', e.message, `${REPAIR(f.path)} (restores the whole ESP)`);
    return;
  }
  const fat = f.fat;
  const loader = fat.find('EFI/BOOT/BOOTX64.EFI');
  const biosBoot = f.table!.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot);
  if (loader === undefined && biosBoot !== undefined) {
    checks.ok('esp.fallback-loader', `no EFI/BOOT/BOOTX64.EFI: a BIOS-booting disk (BIOS boot partition ${biosBoot.index}); see bios.boot-code`);
  } else if (loader === undefined || loader.isDir || loader.size < 64) {
    checks.problem('esp.fallback-loader', loader === undefined ? 'EFI/BOOT/BOOTX64.EFI is missing' : `EFI/BOOT/BOOTX64.EFI is only ${loader.size} bytes`, `${REPAIR(f.path)} (restores the whole ESP)`);
  } else {
    const efi = fat.readFile('EFI/BOOT/BOOTX64.EFI');
    if (efi.toString('latin1', 0, 2) === 'MZ') {
      checks.ok('esp.fallback-loader', `EFI/BOOT/BOOTX64.EFI, ${loader.size} bytes, PE image`);
      checkLoaderConfig(efi, fat, f, checks);
    } else {
      checks.problem('esp.fallback-loader', 'EFI/BOOT/BOOTX64.EFI is not a PE image (no MZ header)', `${REPAIR(f.path)} (restores the whole ESP)`);
    }
  }
  // The loader's own config decides which grub.cfg is read; without one, the usual places.
  const candidates = f.stubConfigPath !== undefined ? [f.stubConfigPath] : GRUB_CFG_CANDIDATES;
  const cfgEntry = candidates.map((c) => fat.find(c)).find((e) => e !== undefined && !e.isDir) ?? (f.stubConfigPath === undefined ? fat.list().find((e) => !e.isDir && e.name.toLowerCase() === 'grub.cfg') : undefined);
  if (cfgEntry === undefined) {
    checks.problem('esp.grub-cfg', `no grub.cfg on the ESP (looked for ${candidates.join(', ')}${f.stubConfigPath !== undefined ? ', the file BOOTX64.EFI loads' : ''})`, REPAIR(f.path));
    return;
  }
  f.grubCfgPath = cfgEntry.path;
  checks.ok('esp.grub-cfg', `${cfgEntry.path}, ${cfgEntry.size} bytes`);
  const grub = parseGrubCfg(fat.readFile(cfgEntry.path).toString('utf8'));
  f.grub = grub;
  if (grub.problems.length > 0) checks.problem('grub-cfg.syntax', grub.problems.join('; '), `${REPAIR(f.path)} (restores or regenerates grub.cfg)`);
  else checks.ok('grub-cfg.syntax', 'braces and quotes balanced');
  const bootable = grub.entries.filter((e) => e.linux !== undefined);
  if (bootable.length === 0) {
    checks.problem('grub-cfg.entries', `${grub.entries.length} menu entries, none with a 'linux' command`, `${REPAIR(f.path)} (restores or regenerates grub.cfg)`);
    return;
  }
  checks.ok('grub-cfg.entries', bootable.map((e) => `'${e.title}': linux ${e.linux} ${e.args.join(' ')}; initrd ${e.initrds.join(' ') || '(none)'}`).join(' | '));
  checkBootFiles(f, fat, bootable, checks);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * With a golden image: every EFI executable under EFI/ that both ESPs hold must have the
 * golden copy's SHA-256. Users edit grub.cfg, never the loaders, so a difference is damage
 * (a flipped byte in grubx64.efi passes every other check, and shim then refuses it under
 * Secure Boot). A loader another check already condemns is left to that check.
 */
export function compareLoaders(f: ImageFacts, golden: FatFs, goldenPath: string, checks: CheckList): void {
  const fat = f.fat;
  if (fat === undefined) return;
  const condemned = checks.has('esp.fallback-loader') || checks.has('esp.loader-config') ? ['efi/boot/bootx64.efi'] : [];
  const loaders = fat.list().filter((e) => !e.isDir && /^EFI\//i.test(e.path) && /\.efi$/i.test(e.name) && !condemned.includes(e.path.toLowerCase()));
  let compared = 0;
  for (const e of loaders) {
    const g = golden.find(e.path);
    if (g === undefined || g.isDir) continue;
    compared++;
    const mine = sha256(fat.readFile(e.path));
    const theirs = sha256(golden.readFile(g.path));
    if (mine !== theirs) f.differingLoaders.push({ path: e.path, sha256: mine, goldenSha256: theirs });
  }
  if (f.differingLoaders.length > 0) {
    checks.problem('esp.loader-digests', f.differingLoaders.map((d) => `${d.path}: sha256 ${d.sha256}, golden ${d.goldenSha256}`).join('; '), `bootmedic image repair ${f.path} --from ${goldenPath} (restore-loaders copies them from the golden ESP)`);
  } else {
    checks.ok('esp.loader-digests', `${compared} EFI executable(s) match the golden ESP (sha256)${compared > 0 ? `: ${loaders.filter((e) => golden.find(e.path) !== undefined).map((e) => e.path).join(', ')}` : ''}`);
  }
}

/**
 * Cross-checks the config grub-mkstandalone embedded in BOOTX64.EFI: the filesystem it
 * searches for must exist, and a `set prefix` must point at a directory holding the GRUB
 * modules (the corpus grub-wrong-prefix-module-not-found fault).
 */
function checkLoaderConfig(efi: Buffer, fat: FatFs, f: ImageFacts, checks: CheckList): void {
  const stub = memdiskConfig(efi);
  if (stub === undefined) return;
  const c = parseGrubCfg(stub);
  const issues: string[] = [...c.problems];
  const onEsp = c.searchUuid === undefined || c.searchUuid.toLowerCase() === fat.volumeId.toLowerCase();
  if (c.searchUuid !== undefined && !f.filesystems.some((x) => x.uuid.toLowerCase() === c.searchUuid!.toLowerCase())) {
    issues.push(`it searches for filesystem ${c.searchUuid}, which is not on this disk (the ESP is ${fat.volumeId})`);
  }
  if (onEsp && c.configfiles[0] !== undefined) f.stubConfigPath = c.configfiles[0].replace(/^\/+/, '');
  if (c.prefix !== undefined) {
    const dir = `${c.prefix.replace(/^\([^)]*\)/, '').replace(/\/+$/, '')}/x86_64-efi`;
    if (fat.find(dir) === undefined) issues.push(`it sets prefix=${c.prefix}, but ${dir} (GRUB's modules) is not on the ESP`);
  }
  const summary = `embedded config: ${stub.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '').join('; ')}`;
  if (issues.length > 0) checks.problem('esp.loader-config', `${summary} — ${issues.join('; ')}`, `${REPAIR(f.path)} (restores the whole ESP, loader included)`);
  else checks.ok('esp.loader-config', summary);
}

function checkBootFiles(f: ImageFacts, fat: FatFs, entries: GrubConfig['entries'], checks: CheckList): void {
  const kernels = [...new Set(entries.map((e) => e.linux!))];
  const present = (p: string) => {
    const e = fat.find(p);
    return e !== undefined && !e.isDir && e.size > 0;
  };
  const missingK = kernels.filter((k) => !present(k));
  f.missingFiles.push(...missingK);
  const brokenK = kernels.filter((k) => present(k)).map((k) => ({ k, why: kernelImageProblem(fat.readFile(k)) })).filter((x) => x.why !== undefined);
  f.badKernels.push(...brokenK.map((x) => x.k));
  if (missingK.length > 0 || brokenK.length > 0) {
    checks.problem('boot.kernel', [...missingK.map((k) => `${k}: not on the ESP (or empty)`), ...brokenK.map((x) => `${x.k}: ${x.why}`)].join('; '), `${REPAIR(f.path)} (copies the kernel from the golden image)`);
  } else {
    checks.ok('boot.kernel', kernels.map((k) => `${k} (${fat.find(k)!.size} bytes, bzImage header whole)`).join(', '));
  }
  const initrds = [...new Set(entries.flatMap((e) => e.initrds))];
  const bad: string[] = [];
  const good: string[] = [];
  for (const i of initrds) {
    if (!present(i)) {
      bad.push(`${i}: missing`);
      f.missingFiles.push(i);
      continue;
    }
    try {
      const info = inspectInitrd(fat.readFile(i), i);
      if (info.hasInit) good.push(`${i}: ${info.segments.join('+')} ${info.listedAll ? 'unpacks' : 'passes zstd -t'}, ${info.listedAll ? '' : '≥'}${info.files} files, /init present`);
      else {
        bad.push(`${i}: no /init among ${info.files} files`);
        f.badInitrds.push(i);
      }
    } catch (e) {
      if (!isBootmedicError(e)) throw e;
      bad.push(e.message);
      f.badInitrds.push(i);
    }
  }
  if (initrds.length === 0) checks.problem('boot.initrd', 'no menu entry loads an initrd', `${REPAIR(f.path)} (regenerates grub.cfg)`);
  else if (bad.length > 0) checks.problem('boot.initrd', bad.join('; '), `${REPAIR(f.path)} (copies the initrd from the golden image)`);
  else checks.ok('boot.initrd', good.join('; '));
  const roots = [...new Set(entries.map((e) => e.root ?? ''))];
  const known = (spec: string) => matchSpec(spec, f.filesystems);
  const wrong = roots.filter((r) => r === '' || (r.startsWith('UUID=') || r.startsWith('PARTUUID=') ? !known(r) : false));
  if (wrong.length > 0) checks.problem('boot.root-uuid', `root= ${wrong.map((r) => r || '(absent)').join(', ')} matches no filesystem; filesystems: ${f.filesystems.map((x) => `${x.kind} ${x.uuid}`).join(', ')}`, `${REPAIR(f.path)} (rewrites grub.cfg with the real root UUID)`);
  else checks.ok('boot.root-uuid', roots.map((r) => `root=${r}`).join(', ') + ' matches a filesystem');
}

