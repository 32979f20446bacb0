import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseVmSpec } from '../../config/index.ts';
import { getFault, injectFault, loadCatalogue } from '../../faults/index.ts';
import { buildGuest } from '../../guest/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { usageError } from '../errors.ts';

const usage = 'bootmedic guest build <tiny|debian> [--firmware uefi|bios] [--secure-boot]';

/** `bootmedic guest build tiny|debian`: builds a guest into the cache and prints its paths last. */
export const command: Command = {
  name: 'guest',
  summary: 'build the guests bootmedic boots (tiny: Debian kernel + busybox initramfs; debian: a UEFI disk image)',
  usage,
  async run(argv, ctx) {
    const { positionals, values } = parseCommandArgs(argv, { firmware: { type: 'string' }, 'secure-boot': { type: 'boolean' } }, usage);
    const firmware = values.firmware;
    if (firmware !== undefined && firmware !== 'uefi' && firmware !== 'bios') return usageError(`--firmware must be uefi or bios, not '${firmware}'`, usage);
    const [verb, name, ...rest] = positionals;
    if (verb !== 'build' || (name !== 'tiny' && name !== 'debian') || rest.length > 0) return usageError(verb === 'build' ? 'name one guest: tiny or debian' : "the only sub-command is 'build'", usage);
    if (firmware !== undefined && name === 'tiny') return usageError('--firmware applies to the debian guest only (tiny boots its kernel directly)', usage);
    const secureBoot = values['secure-boot'] === true;
    if (secureBoot && (name !== 'debian' || firmware === 'bios')) return usageError('--secure-boot applies to the debian guest under UEFI only', usage);
    const built = await buildGuest(name, ctx.app, { log: (line) => ctx.stderr.write(`[guest ${name}] ${line}\n`), signal: ctx.signal, ...(firmware ? { firmware } : {}), ...(secureBoot ? { secureBoot } : {}) });
    if (name === 'tiny') await writeFaultFiles(ctx.app, (line) => ctx.stderr.write(`[guest ${name}] ${line}\n`));
    for (const p of built.paths) ctx.stdout.write(p + '\n');
    return EXIT.ok;
  },
};

/**
 * Writes the damaged copies that examples/faults/*.yaml for file faults point at (guest
 * tooling may use faults/; boot paths may not). Only in a checkout that has examples/.
 */
async function writeFaultFiles(app: import('../../config/index.ts').AppConfig, log: (line: string) => void): Promise<void> {
  const dir = fileURLToPath(new URL('../../../examples/faults/files/', import.meta.url));
  if (!existsSync(dir)) return;
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny' }, 'tiny guest', dir);
  for (const f of loadCatalogue()) {
    if (f.injection.kind !== 'file' || f.injection.action === 'delete' || !f.guests.includes('tiny')) continue;
    const r = await injectFault(spec, getFault(f.name), dir, app);
    log(`fault example ${f.name}: ${r.note}`);
  }
}
