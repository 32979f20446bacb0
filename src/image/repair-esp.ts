import type { FatFs } from './fat.ts';
import { parseGrubCfg, renderGrubCfg } from './grub-cfg.ts';
import { runToolSync, withTempFile } from '../core/index.ts';
import { openRegion, writeDifferences } from './region.ts';
import { can, cannot, type RepairEnv, type RepairImpl } from './repair-env.ts';

/** Copies the golden image's whole ESP over the target's. */
export const restoreEsp: RepairImpl = {
  precondition(env) {
    const f = env.target.facts;
    if (!['esp.filesystem', 'esp.fallback-loader', 'esp.loader-config'].some((c) => env.problems.has(c))) return cannot('the ESP filesystem and loader are fine');
    if (f.esp === undefined) return cannot('the target has no ESP partition to write into');
    const g = env.golden?.facts;
    if (g?.esp === undefined || g.fat === undefined || env.golden?.reader === undefined) return cannot('needs a golden image with a readable ESP (--from)');
    if (g.esp.size > f.esp.size) return cannot(`the golden ESP (${g.esp.size} bytes) is larger than the target's (${f.esp.size})`);
    return can('ESP damaged and a golden ESP fits');
  },
  run(env) {
    const g = env.golden!;
    const src = g.facts.esp!;
    const dst = env.target.facts.esp!;
    const written = writeDifferences(env.disk, env.format, dst.offset, src.size, (at, len) => g.reader!.read(src.offset + at, len));
    return [`made the ESP (partition ${dst.index}) equal to the golden ESP (${src.size} bytes, ${g.facts.fat!.type} ${g.facts.fat!.volumeId}): ${written} bytes differed`];
  },
};

/** Writes files into the target's ESP with mtools (`-i image@@offset`), creating directories as needed. */
function mtoolsWrite(env: RepairEnv, files: ReadonlyArray<{ path: string; data: Buffer | string }>, fat: FatFs): void {
  const esp = env.target.facts.esp!;
  const region = openRegion(env.disk, env.format, esp.offset, esp.size);
  try {
    const img = `${region.path}@@${region.offset}`;
    const made = new Set<string>();
    for (const file of files) {
      const parts = file.path.replace(/^\/+/, '').split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (fat.find(d) === undefined && !made.has(d.toLowerCase())) {
          runToolSync('mmd', ['-i', img, `::/${d}`]);
          made.add(d.toLowerCase());
        }
      }
      withTempFile(file.data, (tmp) => runToolSync('mcopy', ['-o', '-i', img, tmp, `::/${file.path.replace(/^\/+/, '')}`]));
    }
    region.commit();
  } finally {
    region.dispose();
  }
}

/** Copies the EFI executables whose SHA-256 differs from the golden ESP's (esp.loader-digests) back from it. */
export const restoreLoaders: RepairImpl = {
  precondition(env) {
    const f = env.target.facts;
    if (f.differingLoaders.length === 0) return cannot('no EFI executable differs from the golden ESP');
    if (f.fat === undefined) return cannot('the target ESP is not readable (restore-esp first)');
    if (env.golden?.facts.fat === undefined) return cannot('needs a golden image with a readable ESP (--from)');
    return can(`${f.differingLoaders.map((d) => d.path).join(', ')} differ from the golden ESP`);
  },
  run(env) {
    const f = env.target.facts;
    const gf = env.golden!.facts.fat!;
    const files = f.differingLoaders.map((d) => ({ path: d.path, data: gf.readFile(d.path), was: d.sha256, want: d.goldenSha256 }));
    mtoolsWrite(env, files, f.fat!);
    return files.map((x) => `copied ${x.path} (${x.data.length} bytes) from the golden ESP: sha256 ${x.was.slice(0, 16)}… → ${x.want.slice(0, 16)}…`);
  },
};

/** Copies the kernel and initrd files the target lacks (or holds broken) from the golden ESP. */
export const restoreBootFiles: RepairImpl = {
  precondition(env) {
    const f = env.target.facts;
    const wanted = [...new Set([...f.missingFiles, ...f.badKernels, ...f.badInitrds])];
    if (wanted.length === 0) return cannot('no kernel or initrd is missing or broken');
    if (f.fat === undefined) return cannot('the target ESP is not readable (restore-esp first)');
    const gf = env.golden?.facts.fat;
    if (gf === undefined) return cannot('needs a golden image with a readable ESP (--from)');
    const absent = wanted.filter((p) => gf.find(p) === undefined);
    if (absent.length > 0) return cannot(`the golden ESP lacks ${absent.join(', ')}`);
    return can(`golden ESP holds ${wanted.join(', ')}`);
  },
  run(env) {
    const f = env.target.facts;
    const gf = env.golden!.facts.fat!;
    const wanted = [...new Set([...f.missingFiles, ...f.badKernels, ...f.badInitrds])];
    const files = wanted.map((p) => ({ path: gf.find(p)!.path, data: gf.readFile(p) }));
    mtoolsWrite(env, files, f.fat!);
    return files.map((x) => `copied ${x.path} (${x.data.length} bytes) from the golden ESP`);
  },
};

const CFG_PROBLEMS = ['esp.grub-cfg', 'grub-cfg.syntax', 'grub-cfg.entries', 'boot.root-uuid'];

/** Restores grub.cfg from the golden image (with this disk's UUIDs), or writes a fresh one. */
export const fixGrubCfg: RepairImpl = {
  precondition(env) {
    const f = env.target.facts;
    if (!CFG_PROBLEMS.some((c) => env.problems.has(c))) return cannot('grub.cfg is fine');
    if (f.fat === undefined) return cannot('the target ESP is not readable (restore-esp first)');
    if (f.rootSb === undefined) return cannot('the root filesystem UUID is unknown (fsck-root first)');
    return can(env.golden?.facts.grub !== undefined ? 'golden grub.cfg available' : 'will regenerate grub.cfg');
  },
  run(env) {
    const f = env.target.facts;
    const fat = f.fat!;
    const rootUuid = f.rootSb!.uuid;
    const g = env.golden?.facts;
    const path = f.grubCfgPath ?? f.stubConfigPath ?? g?.grubCfgPath ?? 'EFI/debian/grub.cfg';
    let text: string | undefined;
    let how = '';
    if (g?.grub !== undefined && g.grubCfgPath !== undefined && g.grub.problems.length === 0 && g.grub.entries.some((e) => e.linux !== undefined)) {
      text = g.fat!.readFile(g.grubCfgPath).toString('utf8');
      const gRoot = g.rootSb?.uuid;
      if (gRoot !== undefined && gRoot !== rootUuid) text = text.split(gRoot).join(rootUuid);
      const gEsp = g.fat!.volumeId;
      if (gEsp !== fat.volumeId) text = text.split(gEsp).join(fat.volumeId);
      how = `restored ${path} from the golden image${gRoot !== rootUuid ? ` with root UUID ${rootUuid}` : ''}`;
    } else {
      const old = f.grub?.entries.find((e) => e.linux !== undefined);
      const files = fat.list().filter((e) => !e.isDir);
      const kernel = old?.linux !== undefined && fat.find(old.linux) !== undefined ? old.linux : files.find((e) => /(^|\/)vmlinuz/i.test(e.path))?.path;
      if (kernel === undefined) return [`left ${path} alone: no kernel (vmlinuz*) on the ESP to boot; restore-boot-files first`];
      const initrd = old?.initrds[0] !== undefined && fat.find(old.initrds[0]) !== undefined ? old.initrds[0] : files.find((e) => /(^|\/)initrd/i.test(e.path))?.path;
      const extraArgs = old?.args.filter((a) => !a.startsWith('root=')) ?? ['ro', 'console=ttyS0,115200'];
      const abs = (p: string) => (p.startsWith('/') ? p : `/${p}`);
      text = renderGrubCfg({ title: old?.title || 'Debian GNU/Linux', kernel: abs(kernel), initrd: initrd === undefined ? undefined : abs(initrd), rootUuid, espUuid: fat.volumeId, extraArgs });
      how = `regenerated ${path}: linux ${abs(kernel)} root=UUID=${rootUuid}${initrd === undefined ? ' (no initrd found)' : `, initrd ${abs(initrd)}`}`;
    }
    if (parseGrubCfg(text).problems.length > 0) return [`left ${path} alone: the replacement does not parse`];
    mtoolsWrite(env, [{ path, data: text }], fat);
    return [how];
  },
};
