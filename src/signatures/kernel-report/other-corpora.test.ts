// Agreement with two more labelled sets whose labels come from other tools (KernelCI logspec,
// LAVA). Only what those labels can say is compared: is there a kernel crash, and for logspec
// the class of the first kernel error. Their artefacts are described in docs/kernel-report.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitLines } from '../../console/index.ts';
import { sharedPath, skipWithout } from '../../../testkit/index.ts';
import { containsKernelCrash, parseKernelReport } from './index.ts';

type Label = Record<string, unknown>;

function cases(dir: string): { name: string; label: Label; log: Uint8Array }[] {
  return readdirSync(join(dir, 'labels')).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const label = JSON.parse(readFileSync(join(dir, 'labels', f), 'utf8')) as Label;
    return { name: f, label, log: readFileSync(join(dir, String(label['log']))) };
  });
}

// logspec error types that are kernel oopses (error_return_code and baseline dmesg are not).
const LOGSPEC_CLASS: Record<string, RegExp> = {
  'linux.kernel.panic': /^kernel panic/,
  'linux.kernel.bug': /^(BUG|KASAN|KFENCE|kernel BUG)/,
  'linux.kernel.warning': /^WARNING/,
  'linux.kernel.ubsan': /^UBSAN/,
};

const kernelci = sharedPath('corpus', 'kernelci-logspec-boot');
test('kernelci-logspec-boot: crash iff logspec saw a kernel error, of the same class', { skip: skipWithout(kernelci, 'corpus/kernelci-logspec-boot') }, () => {
  for (const c of cases(kernelci!)) {
    const out = c.label['expected_logspec_output'] as { errors?: { error_type: string }[] } | undefined;
    const first = (out?.errors ?? []).find((e) => LOGSPEC_CLASS[e.error_type] !== undefined);
    const lines = splitLines(c.log);
    const r = parseKernelReport(lines);
    assert.equal(r !== undefined, first !== undefined, `${c.name}: got ${r?.title ?? 'no crash'}`);
    assert.equal(containsKernelCrash(lines), first !== undefined, c.name);
    if (r !== undefined && first !== undefined) assert.match(r.title, LOGSPEC_CLASS[first.error_type]!, c.name);
  }
});

const lava = sharedPath('corpus', 'lava-kernel-messages');
test('lava-kernel-messages: crash iff LAVA\'s kernel-message checker flags one', { skip: skipWithout(lava, 'corpus/lava-kernel-messages') }, () => {
  for (const c of cases(lava!)) {
    const kinds = c.label['expected_kinds'];
    const flagged = c.label['checker'] === 'LinuxKernelMessages.parse_failures'
      && (c.label['expected_fatal'] === true || (Array.isArray(kinds) && kinds.length > 0));
    const r = parseKernelReport(splitLines(c.log));
    assert.equal(r !== undefined, flagged, `${c.name}: got ${r?.title ?? 'no crash'}`);
  }
});

const real = sharedPath('corpus', 'real-boot-failures');
test('real-boot-failures: only the kernel panics are crash reports (firmware, GRUB, systemd are not)', { skip: skipWithout(real, 'corpus/real-boot-failures') }, () => {
  const logs = readdirSync(real!).filter((f) => f.endsWith('.log')).sort();
  assert.ok(logs.length > 10);
  for (const f of logs) {
    const bytes = readFileSync(join(real!, f));
    // Every fault injected there that reaches the kernel's crash path ends in a panic line.
    const panics = bytes.includes('Kernel panic - not syncing');
    const r = parseKernelReport(splitLines(bytes));
    assert.equal(r !== undefined, panics, `${f}: got ${r?.title ?? 'no crash'}`);
    if (r !== undefined) assert.match(r.title, /^kernel panic: /, f);
  }
});
