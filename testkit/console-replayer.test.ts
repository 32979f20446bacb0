import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createLineSplitter, type ConsoleLine } from '../src/console/index.ts';
import type { VmEvent } from '../src/hypervisor/index.ts';
import { createManualClock, createReplayVm, loadRecording, recordingFromLog, recordingPath, replay } from './console-replayer.ts';

const haveGood = existsSync(recordingPath('good'));

test('a recorded good boot replays its exact bytes, in order, with the clock at each arrival time', { skip: haveGood ? false : 'testkit/consoles/good.jsonl not recorded' }, () => {
  const rec = loadRecording('good');
  const clock = createManualClock();
  const chunks: Buffer[] = [];
  const lines: ConsoleLine[] = [];
  const splitter = createLineSplitter({ onLine: (l) => lines.push(l), now: clock.now });
  let lastAt = -1;
  replay(rec, (ev) => {
    assert.ok(clock.now() >= lastAt);
    lastAt = clock.now();
    if (ev.type === 'console') {
      chunks.push(Buffer.from(ev.chunk));
      splitter.push(ev.chunk);
    }
  }, { clock });
  splitter.end();
  assert.deepEqual(Buffer.concat(chunks), readFileSync(recordingPath('good').replace(/\.jsonl$/, '.log')));
  const ready = lines.find((l) => l.text === 'bootmedic-ready');
  assert.ok(ready, 'ready marker line');
  assert.ok(ready.atMs > 0 && ready.atMs <= lastAt);
  assert.equal(rec.events.at(-1)?.type, 'exit');
});

test('replay stops where the consumer says', () => {
  const rec = recordingFromLog('one\ntwo\nKernel panic - not syncing: x\nafter\n', { chunkBytes: 4 });
  const seen: VmEvent[] = [];
  const r = replay(rec, (ev) => seen.push(ev), { until: (ev) => ev.type === 'console' && Buffer.from(ev.chunk).includes('x') });
  assert.ok(r.delivered < rec.events.length);
  assert.equal(seen.length, r.delivered);
});

test('binary garbage on the console is just bytes: replayed and split without throwing', () => {
  const garbage = Buffer.concat([randomBytes(64 * 1024), Buffer.from('\r\n\u001b[2Jbootmedic-ready\r\n'), randomBytes(1024)]);
  const rec = recordingFromLog(garbage, { chunkBytes: 1000 });
  const lines: ConsoleLine[] = [];
  const splitter = createLineSplitter({ onLine: (l) => lines.push(l) });
  replay(rec, (ev) => ev.type === 'console' && splitter.push(ev.chunk));
  splitter.end();
  assert.ok(lines.some((l) => l.text.includes('bootmedic-ready')));
});

test('a replay VM delivers events through onEvent and ends with an exit when stopped', async () => {
  const rec = recordingFromLog('a\nb\nc\n', { chunkBytes: 2 });
  const vm = createReplayVm(rec);
  const types: string[] = [];
  vm.onEvent((ev) => {
    types.push(ev.type);
    if (types.length === 2) void vm.stop();
  });
  await vm.play();
  const exit = await vm.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(types, ['console', 'console', 'exit']);
  assert.deepEqual(await vm.qmp('query-status'), {});
  assert.deepEqual(vm.qmpCalls, [{ command: 'query-status' }]);
});

test('bootloop recording: RESET bursts carry repeat, so counting the rest counts reboots', { skip: existsSync(recordingPath('bootloop')) ? false : 'testkit/consoles/bootloop.jsonl not recorded' }, () => {
  const rec = loadRecording('bootloop');
  const resets = rec.events.filter((e) => e.type === 'qmp' && e.event === 'RESET');
  const reboots = resets.filter((e) => e.type === 'qmp' && !e.repeat);
  const text = Buffer.concat(rec.events.flatMap((e) => (e.type === 'console' ? [Buffer.from(e.chunk)] : []))).toString('latin1');
  const kernelStarts = text.match(/Linux version/g)?.length ?? 0;
  assert.ok(resets.length > reboots.length, 'the recording holds a burst');
  assert.equal(reboots.length, kernelStarts - 1);
});
