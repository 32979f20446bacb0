// Measures the Debian guest: build time (cold when the cache is empty, else cached),
// image size, and one boot to the login prompt under QEMU with the time each phase first
// showed on the console. `--firmware bios` for the SeaBIOS variant; `--save <file>` keeps
// the raw console (how testkit/consoles/debian-*.log were recorded).
// Run: node bench/debian-guest.ts [--firmware uefi|bios] [--save path]
import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveAppConfig } from '../src/config/index.ts';
import { createProgress } from '../src/cli/index.ts';
import { buildDebianGuest, probeBoot } from '../src/guest/debian/index.ts';

/** Merges chunks that arrived within 10 ms of each other (the UART delivers a few bytes at a time), stamped with the last arrival. */
function coalesce(chunks: { atMs: number; bytes: Buffer }[]): { atMs: number; bytes: Buffer }[] {
  const out: { atMs: number; bytes: Buffer }[] = [];
  for (const c of chunks) {
    const last = out.at(-1);
    if (last && c.atMs - last.atMs <= 10) out[out.length - 1] = { atMs: c.atMs, bytes: Buffer.concat([last.bytes, c.bytes]) };
    else out.push(c);
  }
  return out;
}

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
  const r = await probeBoot({ image: g.image, firmware, timeoutMs: 10 * 60_000 });
  process.stdout.write(`boot (${firmware}, TCG, 2 vCPU, 1024 MiB): ${r.reachedLogin ? 'login prompt' : 'NO login prompt'} at ${r.seconds.toFixed(1)} s\n`);
  for (const m of r.marks) process.stdout.write(`  ${m.phase.padEnd(10)} ${m.seconds.toFixed(1)} s\n`);
  if (values.save) {
    writeFileSync(values.save, r.console);
    // The same boot as a timed recording for testkit/console-replayer.ts (meta, console chunks, exit).
    const jsonl = values.save.replace(/\.log$/, '') + '.jsonl';
    const lines = [
      JSON.stringify({ type: 'meta', name: `debian-good-boot-${firmware}`, fault: null, accel: 'tcg', argv: r.argv.map((a) => a.replace(/file=[^,]*overlay\.qcow2/, 'file=<work>/overlay.qcow2')), ready: 'login', note: 'stopped by the recorder once the login prompt showed' }),
      ...coalesce(r.chunks).map((c) => JSON.stringify({ type: 'console', atMs: c.atMs, b64: c.bytes.toString('base64') })),
      JSON.stringify({ type: 'exit', atMs: Math.round(r.seconds * 1000) + 300, code: null, signal: 'SIGKILL', error: null }),
    ];
    writeFileSync(jsonl, `${lines.join('\n')}\n`);
    process.stdout.write(`console saved: ${values.save} (${r.console.length} bytes) and ${jsonl}\n`);
  }
}
