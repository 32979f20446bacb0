// `bootmedic watch --libvirt` as a user runs it, in a child process: an unreachable URI is
// one clear error with the exit code of its class; with --json every event is one JSON line
// naming the domain, and SIGTERM leaves no virsh child behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitCodeOfClass } from '../src/cli/index.ts';
import { defineTinyDomain, libvirtSkipReason, useLibvirtd } from '../testkit/index.ts';

const BIN = fileURLToPath(new URL('../bin/bootmedic.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'bm-lv-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));
const env = { ...process.env, BOOTMEDIC_HOME: home, NO_COLOR: '1' };

test('a URI nobody answers is LIBVIRT_URI_UNREACHABLE: one line naming the URI and how to start libvirtd, exit code of its class, no stack', { skip: libvirtSkipReason() }, () => {
  for (const uri of ['qemu:///system?socket=/nonexistent/libvirt-sock', 'bogus:///nothing']) {
    const r = spawnSync(process.execPath, [BIN, 'watch', '--libvirt', uri, '--json'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, exitCodeOfClass('unavailable'), r.stderr);
    assert.match(r.stderr, /^bootmedic: libvirt URI .* is unreachable: /);
    assert.ok(r.stderr.includes(uri), `the message names the URI: ${r.stderr}`);
    assert.match(r.stderr, /systemctl enable --now libvirtd/);
    assert.match(r.stderr, /virtlogd -d; libvirtd -d/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
});

const lv = useLibvirtd();

/** The pids of a process's children whose command line matches `re`. */
function childrenOf(pid: number, re: RegExp): number[] {
  const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => re.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

test('watch --libvirt --json: a JSON line per event with the domain name; SIGTERM ends it with no virsh child left', { skip: lv.skip, timeout: 300_000 }, async () => {
  const d = defineTinyDomain({ name: 'cli', metadata: '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>' });
  const child = spawn(process.execPath, [BIN, 'watch', '--libvirt', lv.lease().uri, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    for (const l of parts) lines.push(JSON.parse(l) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitLine = (pred: (l: Record<string, unknown>) => boolean, what: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = lines.find(pred);
        if (hit !== undefined) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => reject(new Error(`${what} not printed; stderr: ${err.slice(-500)}; lines: ${lines.map((l) => l['type']).join(' ')}`)), 240_000);
      waiters.add(check);
      check();
    });
  try {
    await waitLine((l) => l['type'] === 'waiting' && l['domain'] === d.name, 'the domain followed');
    const streams = childrenOf(child.pid!, /virsh.*--loop/);
    assert.equal(streams.length, 2, 'two event streams for the whole URI, children of bootmedic');
    d.start();
    const outcome = await waitLine((l) => l['type'] === 'outcome' && l['domain'] === d.name, 'the outcome');
    assert.equal(outcome['status'], 'ready');
    assert.equal(outcome['vm'], d.name);
    for (const type of ['domain', 'boot-start', 'phase', 'verdict']) {
      const l = lines.find((x) => x['type'] === type && x['domain'] === d.name);
      assert.ok(l !== undefined, `a ${type} line for the domain`);
      assert.equal(l['vm'], d.name, `the ${type} line names the VM`);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 143, `exit 143 after SIGTERM; stderr: ${err}`);
    for (const pid of streams) assert.throws(() => process.kill(pid, 0), `virsh ${pid} is gone`);
    assert.deepEqual(childrenOf(child.pid!, /virsh/), []);
    assert.match(spawnSync('virsh', ['-c', d.uri, 'domstate', d.name], { encoding: 'utf8' }).stdout, /running/, 'stopping the watch leaves the domain running');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    d.remove();
  }
});
