// Agreement with two labelled sets no one here wrote: KernelCI logspec's boot-log
// fixtures and LAVA's kernel-message fixtures (see their SOURCE.md). Their labels carry
// artefacts of those tools; docs/signatures.md lists each disagreement and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath, skipWithout } from '../../testkit/index.ts';
import { analyzeLog, stopsBoot } from './index.ts';
import type { Finding, LogAnalysis } from './index.ts';

const CRASH_FAMILIES = new Set(['kernel-panic', 'bug', 'oops', 'warning', 'ubsan', 'kasan', 'kmsan', 'kcsan', 'kfence', 'gpf', 'lockup', 'hung-task', 'rcu-stall', 'lockdep']);
const reached = (r: LogAnalysis, phase: string) => r.findings.some((f) => f.family === 'progress' && f.phase === phase);
const crashes = (r: LogAnalysis): Finding[] => r.findings.filter((f) => CRASH_FAMILIES.has(f.family));

function labelled(dir: string): { stem: string; label: Record<string, unknown>; log: LogAnalysis }[] {
  return readdirSync(join(dir, 'labels')).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const label = JSON.parse(readFileSync(join(dir, 'labels', f), 'utf8')) as Record<string, unknown>;
    return { stem: f.replace(/\.json$/, ''), label, log: analyzeLog(readFileSync(join(dir, String(label['log'])))) };
  });
}

const kci = sharedPath('corpus', 'kernelci-logspec-boot');
test('KernelCI logspec boot logs: stage and crash agreement', { skip: skipWithout(kci, 'corpus/kernelci-logspec-boot') }, (t) => {
  let crashAgree = 0;
  let promptAgree = 0;
  let promptCases = 0;
  let panicAgree = 0;
  for (const { stem, label, log } of labelled(kci!)) {
    const exp = label['expected_logspec_output'] as Record<string, unknown>;
    const errors = (exp['errors'] as { error_type: string }[] | undefined) ?? [];
    const theirCrash = errors.some((e) => /^linux\.kernel\.(panic|bug|warning|ubsan)$/.test(e.error_type));
    const ourCrash = crashes(log).length > 0;
    if (theirCrash === ourCrash) crashAgree++;
    const theirPanics = errors.filter((e) => e.error_type === 'linux.kernel.panic').length;
    const ourPanics = log.findings.filter((f) => f.family === 'kernel-panic').length;
    if (theirPanics === ourPanics) panicAgree++;
    if (typeof exp['linux.boot.prompt'] === 'boolean') {
      promptCases++;
      if (exp['linux.boot.prompt'] === reached(log, 'ready')) promptAgree++;
    }
    t.diagnostic(`${stem}: crash ${theirCrash}/${ourCrash}, panics ${theirPanics}/${ourPanics}, prompt ${String(exp['linux.boot.prompt'])}/${reached(log, 'ready')} (logspec/ours)`);
  }
  t.diagnostic(`crash agreement ${crashAgree}/9, panic-count agreement ${panicAgree}/9, prompt agreement ${promptAgree}/${promptCases}`);
  assert.equal(crashAgree, 9);
  assert.equal(panicAgree, 9);
  assert.ok(promptAgree >= promptCases - 1, 'at most the one documented prompt disagreement');
});

const lava = sharedPath('corpus', 'lava-kernel-messages');
test('LAVA kernel-message logs: fatal and kind agreement', { skip: skipWithout(lava, 'corpus/lava-kernel-messages') }, (t) => {
  const KIND: Record<string, string[]> = { bug: ['bug', 'lockup'], oops: ['oops', 'bug'], kasan: ['kasan'], kfence: ['kfence'], panic: ['kernel-panic'], warning: ['warning'] };
  let fatalAgree = 0;
  let fatalCases = 0;
  let kindAgree = 0;
  let kindCases = 0;
  for (const { stem, label, log } of labelled(lava!)) {
    const ourFatal = log.findings.some((f) => stopsBoot(f) && f.family !== 'incomplete-boot');
    if (typeof label['expected_fatal'] === 'boolean') {
      fatalCases++;
      if (label['expected_fatal'] === ourFatal) fatalAgree++;
    }
    const kinds = label['expected_kinds'] as string[] | null;
    if (kinds !== null && kinds.length > 0) {
      kindCases++;
      // bootmedic looks for more than LAVA does (lockdep, RCU), so the question is whether
      // LAVA's first kind is among our crash findings.
      if (crashes(log).some((f) => (KIND[kinds[0]!] ?? []).includes(f.family))) kindAgree++;
    }
    t.diagnostic(`${stem}: fatal ${String(label['expected_fatal'])}/${ourFatal}, first kind ${kinds?.[0] ?? '-'}/${crashes(log)[0]?.family ?? '-'} (LAVA/ours)`);
  }
  t.diagnostic(`fatal agreement ${fatalAgree}/${fatalCases}, LAVA's first kind found ${kindAgree}/${kindCases}`);
  assert.ok(fatalAgree >= fatalCases - 1, 'at most the documented login-error disagreement');
  assert.equal(kindAgree, kindCases);
});

const syz = sharedPath('corpus', 'syzkaller-linux-report');
test('syzkaller corpus through the streaming engine: crash agreement and no false crash', { skip: skipWithout(syz, 'corpus/syzkaller-linux-report') }, async (t) => {
  const { parseSyzTestFile } = await import('./kernel-report/index.ts');
  let cases = 0;
  let agree = 0;
  let falseCrashes = 0;
  const missed: string[] = [];
  for (const f of readdirSync(syz!).filter((n) => /^\d+$/.test(n))) {
    const c = parseSyzTestFile(readFileSync(join(syz!, f)));
    const ours = crashes(analyzeLog(c.log)).length > 0;
    cases++;
    if (ours === (c.title !== undefined)) agree++;
    else if (ours) falseCrashes++;
    else missed.push(`${f}: ${c.title}`);
  }
  t.diagnostic(`cases ${cases}, crash agreement ${((agree / cases) * 100).toFixed(1)}%, false crashes ${falseCrashes}, missed: ${missed.join('; ')}`);
  assert.equal(falseCrashes, 0);
  assert.ok(agree / cases >= 0.98);
});
