// Real QEMU (TCG): the tiny guest leaks memory at a set rate (bootmedic.fault=leak) with a
// balloon device reporting its memory; the forecaster, fed the guest's available memory
// over QMP, must put exhaustion within ±20 % of the truth once a quarter of the memory is gone,
// and the 48-hour warning, compressed by the same factor, must come at least that early.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { createForecaster, enableBalloonStats, INITIAL_WARNING, readGuestMemory, stepWarning, warningParams, type Forecast, type WarningState } from '../src/monitor/index.ts';
import { app, runDir, skipWithoutTiny, waitFor } from './hypervisor-helpers.ts';

const skip = skipWithoutTiny();
const hv = createQemuHypervisor(app, { guests: guestSource(app) });
const RATE_KIB = 2048; // KiB per second
const WEEK_S = 7 * 86400;

test('a real leak: time to exhaustion within ±20 % of the truth from a quarter of the way on', { skip, timeout: 300_000 }, async (t) => {
  const dir = runDir('leak');
  const spec = parseVmSpec({ name: 'leak', guest: 'tiny', balloon: true, memoryMiB: 256, append: `bootmedic.fault=leak bootmedic.leak=${RATE_KIB} bootmedic.after=idle` }, 'test', dir);
  const vm = await hv.launch(spec, { runDir: dir, accel: 'tcg' });
  const rate = RATE_KIB * 1024; // bytes per second
  let timer: NodeJS.Timeout | undefined;
  try {
    await waitFor(vm, (_e, text) => /fault leak: taking \d+ KiB\/s/.test(text));
    await enableBalloonStats(vm, 1);
    const forecaster = createForecaster({ limit: 0, bucketMs: 1000, buckets: 64, minBuckets: 8 });
    const checked: { elapsedS: number; truthS: number; forecastS: number; lowS: number; highS: number }[] = [];
    let start: { ms: number; avail: number } | undefined;
    // The 48-hour warning, compressed like the leak: known once the first report gives the truth.
    let warn: { params: ReturnType<typeof warningParams>; state: WarningState; raisedLeftS?: number } | undefined;
    let last = -1;
    // The guest reports once a second; the reply is read four times a second and each new
    // report becomes a sample, stamped with the host time it was first seen.
    const done = new Promise<void>((resolve, reject) => {
      timer = setInterval(() => {
        readGuestMemory(vm).then((m) => {
          // MemAvailable (Linux ≥ 4.16 reports it); free memory otherwise.
          const avail = m?.availableBytes ?? m?.freeBytes;
          if (m === undefined || avail === undefined || m.lastUpdate === last) return;
          last = m.lastUpdate;
          const now = Date.now();
          start ??= { ms: now, avail };
          const fc: Forecast | undefined = forecaster.push(now, avail);
          const totalS = start.avail / rate;
          const elapsedS = (now - start.ms) / 1000;
          warn ??= { params: warningParams({ horizonMs: (48 * 3600 * 1000 * totalS) / WEEK_S }), state: INITIAL_WARNING };
          if (fc !== undefined) {
            const step = stepWarning(warn.state, fc, warn.params);
            warn.state = step.state;
            if (step.change === 'raised') warn.raisedLeftS ??= totalS - elapsedS;
          }
          if (fc !== undefined && fc.type !== 'learning' && elapsedS >= totalS / 4) {
            checked.push({ elapsedS, truthS: totalS - elapsedS, forecastS: fc.ttExhaustionMs / 1000, lowS: fc.lowerMs / 1000, highS: fc.upperMs / 1000 });
          }
          if (elapsedS >= totalS * 0.75) resolve();
        }, reject);
      }, 250);
    });
    const early = vm.exited.then((e) => Promise.reject(new Error(`QEMU exited early: ${JSON.stringify(e.code)}`)));
    early.catch(() => {}); // stop() at the end resolves exited too; that rejection is not a failure
    await Promise.race([done, early]);
    clearInterval(timer);
    assert.ok(start !== undefined && checked.length >= 5, `${checked.length} forecasts checked`);
    const totalS = start.avail / rate;
    for (const c of checked) {
      assert.ok(Math.abs(c.forecastS - c.truthS) <= 0.2 * c.truthS, `at ${c.elapsedS.toFixed(1)} s: forecast ${c.forecastS.toFixed(1)} s, truth ${c.truthS.toFixed(1)} s`);
    }
    // The compressed 48-hour warning came, and at least that long before exhaustion.
    const horizonS = warn!.params.horizonMs / 1000;
    assert.ok(warn?.raisedLeftS !== undefined && warn.raisedLeftS >= horizonS, `warning raised with ${warn?.raisedLeftS?.toFixed(1)} s left, horizon ${horizonS.toFixed(1)} s`);
    const worst = Math.max(...checked.map((c) => Math.abs(c.forecastS - c.truthS) / c.truthS));
    const inBand = checked.filter((c) => c.lowS <= c.truthS && c.truthS <= c.highS).length;
    t.diagnostic(
      `available at start ${(start.avail / 2 ** 20).toFixed(1)} MiB, leak ${RATE_KIB / 1024} MiB/s: exhaustion ${totalS.toFixed(1)} s after the first report ` +
        `(time compressed ×${Math.round(WEEK_S / totalS)} against a week); ${checked.length} forecasts from a quarter of the way, worst error ${(100 * worst).toFixed(1)} %, ${inBand} with the truth inside the band; ` +
        `the warning (horizon 48 h compressed to ${horizonS.toFixed(1)} s) came ${warn.raisedLeftS.toFixed(1)} s before exhaustion`,
    );
  } finally {
    clearInterval(timer);
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
