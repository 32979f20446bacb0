// Measures the Debian guest: build time (cold when the cache is empty, else cached),
// image size, and one boot to the login prompt through bootmedic's own hypervisor and
// supervisor, with the time each boot phase was reached. `--firmware bios` for the SeaBIOS
// variant; `--save <file>` keeps the raw console. (Timed recordings for
// testkit/console-replayer.ts come from scripts/record-consoles.ts.)
// Run: node bench/debian-guest.ts [--firmware uefi|bios] [--save path]
import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveAppConfig } from '../src/config/index.ts';
import { createProgress } from '../src/cli/index.ts';
import { buildDebianGuest, guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { bootOnce, debianImageSpec } from '../testkit/index.ts';

const { values } = parseArgs({ options: { firmware: { type: 'string', default: 'uefi' }, save: { type: 'string' }, 'no-boot': { type: 'boolean', default: false } } });
const firmware = values.firmware === 'bios' ? 'bios' : 'uefi';
const app = resolveAppConfig();
const progress = createProgress(process.stderr, { ci: app.ci });
const t0 = Date.now();
const g = await buildDebianGuest({ app, firmware, onProgress: (step) => progress.line(`[debian] ${step}`) });
progress.close();
const buildS = (Date.now() - t0) / 1000;
const st = statSync(g.image);
process.stdout.write(`image            ${g.image}\n`);
process.stdout.write(`build (this run) ${buildS.toFixed(1)} s${buildS < 5 ? ' (cached)' : ''}; recorded build ${g.buildSeconds} s\n`);
process.stdout.write(`image size       ${(st.size / 2 ** 20).toFixed(0)} MiB apparent, ${((st.blocks * 512) / 2 ** 20).toFixed(0)} MiB allocated\n`);
if (!values['no-boot']) {
  const hypervisor = createQemuHypervisor(app, { guests: guestSource(app) });
  const { outcome: o, console: bytes } = await bootOnce(debianImageSpec(g.image, { firmware }), { hypervisor, signal: AbortSignal.timeout(10 * 60_000) });
  const ready = o.timeline.find((t) => t.phase === 'ready');
  process.stdout.write(`boot (${firmware}, ${o.accel}, 1 vCPU, 1024 MiB): ${ready ? 'login prompt' : `NO login prompt (${o.status}: ${o.reason})`} at ${((ready?.atMs ?? o.durationMs) / 1000).toFixed(1)} s\n`);
  for (const t of o.timeline) process.stdout.write(`  ${t.phase.padEnd(10)} ${(t.atMs / 1000).toFixed(1)} s\n`);
  if (values.save) {
    writeFileSync(values.save, bytes);
    process.stdout.write(`console saved: ${values.save} (${bytes.length} bytes)\n`);
  }
}
