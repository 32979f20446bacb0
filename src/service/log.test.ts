import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from './log.ts';
import { logEvent } from './log-events.ts';

function sink(isTTY: boolean) {
  const lines: string[] = [];
  const stream = Object.assign(new Writable({ write: (c, _e, cb) => (lines.push(...String(c).split('\n').filter((l) => l !== '')), cb()) }), { isTTY });
  return { stream, lines };
}
const now = () => new Date('2026-12-07T04:05:06.789Z');

test('off a terminal each line is one JSON object with time, level, msg and the fields; below the level nothing', () => {
  const s = sink(false);
  const log = createLogger({ stream: s.stream, now });
  log.info('vm state', { vm: 'web1', state: 'ready', gone: undefined });
  log.debug('hidden');
  log.error('reload failed', { code: 'SERVICE_CONFIG_INVALID' });
  assert.deepEqual(s.lines.map((l) => JSON.parse(l)), [
    { time: '2026-12-07T04:05:06.789Z', level: 'info', msg: 'vm state', vm: 'web1', state: 'ready' },
    { time: '2026-12-07T04:05:06.789Z', level: 'error', msg: 'reload failed', code: 'SERVICE_CONFIG_INVALID' },
  ]);
});

test('on a terminal a short human line: time, level when not info, the VM, the message, the fields', () => {
  const s = sink(true);
  const log = createLogger({ stream: s.stream, now });
  log.info('vm state', { vm: 'web1', state: 'ready' });
  log.warn('verdict', { vm: 'db', reason: 'kernel panic' });
  assert.deepEqual(s.lines, ['04:05:06 web1: vm state state=ready', '04:05:06 WARN db: verdict reason="kernel panic"']);
});

test('the daemon logs state changes, verdicts and heal steps, not console lines', () => {
  const s = sink(false);
  const log = createLogger({ stream: s.stream, now });
  logEvent(log, { kind: 'console', vm: 'a', bootId: 'b', line: 1, text: 'x', atMs: 0 });
  logEvent(log, { kind: 'vm-state', vm: 'a', state: 'failed', reason: 'panic' });
  logEvent(log, { kind: 'boot', vm: 'a', event: { type: 'verdict', vm: 'a', bootId: 'b1', status: 'failed', reason: 'panic', atMs: 1, detectedAt: 1 } });
  logEvent(log, { kind: 'heal', vm: 'a', event: { type: 'action', incidentId: 'i1', seq: 1, remedy: 'more-memory', action: { type: 'set-memory' } as never, attempt: 1 } });
  assert.deepEqual(s.lines.map((l) => { const o = JSON.parse(l); return [o.level, o.msg, o.vm]; }), [['info', 'vm state', 'a'], ['warn', 'verdict', 'a'], ['info', 'heal step', 'a']]);
});
