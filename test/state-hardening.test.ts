// Real QEMU, real bootmedic processes: one bootmedic per VM (the second exits 75 naming
// the first's pid while the first still reaches ready), a boot whose bootmedic was killed
// with SIGKILL closed at the next start as bootmedic-died, and SIGTERM recorded as an
// interruption (exit 143), not a stall.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../src/store/index.ts';
import { skipWithoutTiny } from './hypervisor-helpers.ts';

const skip = skipWithoutTiny();
const BIN = new URL('../bin/bootmedic.js', import.meta.url).pathname;
const TINY = new URL('../examples/tiny.yaml', import.meta.url).pathname;

type Run = { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null>; waitOut: (re: RegExp, ms?: number) => Promise<RegExpExecArray> };

function bootmedic(home: string, args: string[]): Run {
  const child = spawn(process.execPath, [BIN, '--home', home, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitOut = (re: RegExp, ms = 180_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; stdout:\n${out}\nstderr:\n${err}`)), ms);
      const check = () => {
        const m = re.exec(out);
        if (m) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve(m);
        }
      };
      child.stdout!.on('data', check);
      void exited.then(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`bootmedic exited before ${re}; stdout:\n${out}\nstderr:\n${err}`));
      });
      check();
    });
  return { child, out: () => out, err: () => err, exited, waitOut };
}

const withHome = async (fn: (home: string) => Promise<void>) => {
  const home = mkdtempSync(join(tmpdir(), 'bm-state-'));
  try {
    await fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
};

test('two bootmedics on one VM: the second exits 75 naming the first pid, the first still reaches ready', { skip, timeout: 300_000 }, () =>
  withHome(async (home) => {
    const first = bootmedic(home, ['boot', TINY]);
    try {
      // The boot line comes after the lock was taken and QEMU started.
      await first.waitOut(/boot tiny-\S+/);
      const second = bootmedic(home, ['boot', TINY]);
      assert.equal(await second.exited, 75, second.err());
      assert.match(second.err(), new RegExp(`busy: VM tiny is driven by another bootmedic \\(pid ${first.child.pid}\\b`));
      assert.doesNotMatch(second.err(), /\n\s+at /, 'no stack trace');
      assert.equal(second.out(), '', 'the refused bootmedic started no boot');
      assert.equal(await first.exited, 0, first.out() + first.err());
      assert.match(first.out(), /READY/);
    } finally {
      first.child.kill('SIGKILL');
    }
  }));

test('kill -9 of a boot: the next start of that VM closes it as bootmedic-died (output, store, ledger) and removes the stale QMP socket', { skip, timeout: 300_000 }, () =>
  withHome(async (home) => {
    const first = bootmedic(home, ['boot', TINY]);
    const [, bootId] = (await first.waitOut(/boot (tiny-\S+)/)) as unknown as [string, string];
    assert.ok(existsSync(join(home, 'vms', 'tiny', 'qmp.sock')));
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(existsSync(join(home, 'boots', bootId, 'outcome.json')), false, 'the killed boot has no outcome yet');

    const next = bootmedic(home, ['boot', TINY]);
    const code = await next.exited;
    assert.match(next.out(), new RegExp(`earlier boot closed ${bootId}: BOOTMEDIC DIED: bootmedic died \\(pid ${first.child.pid} `));
    assert.match(next.out(), /removed stale QMP socket .*qmp\.sock/);
    assert.equal(code, 0, next.out() + next.err());
    assert.ok(existsSync(join(home, 'boots', bootId, 'outcome.json')));
    const store = openStore({ home });
    try {
      assert.equal(store.boots.get(bootId)?.status, 'bootmedic-died');
    } finally {
      store.close();
    }
    const shown = bootmedic(home, ['ledger', 'show', '--json']);
    assert.equal(await shown.exited, 0, shown.err());
    assert.ok(shown.out().includes(bootId) && shown.out().includes('bootmedic-died'), shown.out().slice(0, 2000));
  }));

test('SIGTERM during a boot: recorded as interrupted (not stalled), exit 143, and no Ctrl-C hint', { skip, timeout: 300_000 }, () =>
  withHome(async (home) => {
    const run = bootmedic(home, ['boot', TINY]);
    await run.waitOut(/boot tiny-\S+/);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 143, run.out() + run.err());
    assert.match(run.out(), /INTERRUPTED .*interrupted by the operator \(SIGTERM\)/);
    assert.doesNotMatch(run.out(), /STALLED/);
    assert.match(run.err(), /SIGTERM: stopping VMs cleanly\n/);
    assert.doesNotMatch(run.err(), /Ctrl-C/);
  }));
