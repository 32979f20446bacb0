import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadVmSpec, type VmSpec } from '../config/index.ts';
import { checkPath } from '../core/index.ts';
import type { ServiceConfig } from './config.ts';
import { serviceErrors } from './errors.ts';

/** The VM files a config names: every *.yaml / *.yml of `vms.dir` (sorted), then `vms.files`. */
export function vmFilesOf(c: ServiceConfig): string[] {
  const out: string[] = [];
  if (c.vms.dir !== undefined) {
    const dir = c.vms.dir;
    checkPath(dir, { what: 'vms.dir', kind: 'directory', missing: (m) => serviceErrors.make('SERVICE_CONFIG_VM_SOURCE', m) });
    // The folder was checked as a directory just above; each entry is opened by loadVmSpec (guarded).
    for (const e of readdirSync(dir, { withFileTypes: true })) if (!e.isDirectory() && /\.ya?ml$/.test(e.name)) out.push(join(dir, e.name));
    out.sort();
  }
  for (const f of c.vms.files) if (!out.includes(f)) out.push(f);
  return out;
}

/**
 * Loads and validates every VM file of the config (a bad file is its CONFIG_VM_* error, a
 * missing source or two VMs with one name SERVICE_CONFIG_VM_SOURCE), so a typo is found
 * before any VM boots.
 */
export function loadVmSources(c: ServiceConfig): VmSpec[] {
  const specs: VmSpec[] = [];
  const byName = new Map<string, string>();
  for (const f of vmFilesOf(c)) {
    const s = loadVmSpec(f);
    const other = byName.get(s.name);
    if (other !== undefined) throw serviceErrors.make('SERVICE_CONFIG_VM_SOURCE', `VM files ${other} and ${f} both use the name '${s.name}'`);
    byName.set(s.name, f);
    specs.push(s);
  }
  return specs;
}
