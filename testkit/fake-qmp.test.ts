import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBootmedicError } from '../src/core/index.ts';
import { connectQmp } from '../src/hypervisor/index.ts';
import { startFakeQmp } from './fake-qmp.ts';

test('client negotiates capabilities before any command and gets scripted replies', async () => {
  const fake = await startFakeQmp({ replies: { 'query-status': { return: { status: 'running', singlestep: false, running: true } } } });
  try {
    const qmp = await connectQmp(fake.path, { timeoutMs: 5000 });
    assert.equal(qmp.greeting.QMP.version.qemu.major, 7);
    assert.deepEqual(await qmp.execute('query-status'), { status: 'running', singlestep: false, running: true });
    assert.deepEqual(fake.received.map((r) => r.execute), ['qmp_capabilities', 'query-status']);
    qmp.close();
  } finally {
    await fake.close();
  }
});

test('events arrive between replies; error replies and silence become typed errors', async () => {
  const fake = await startFakeQmp({ replies: { stop: { error: { class: 'GenericError', desc: 'nope' } }, cont: 'silent' } });
  try {
    const qmp = await connectQmp(fake.path, { timeoutMs: 5000 });
    const seen: string[] = [];
    qmp.onEvent((e) => seen.push(`${e.event}:${JSON.stringify(e.data)}`));
    fake.emit('GUEST_PANICKED', { action: 'pause' });
    fake.emit('STOP');
    await assert.rejects(qmp.execute('stop'), (e) => isBootmedicError(e, 'HV_QMP_ERROR') && /GenericError: nope/.test((e as Error).message));
    assert.deepEqual(seen, ['GUEST_PANICKED:{"action":"pause"}', 'STOP:{}']);
    await assert.rejects(qmp.execute('cont', undefined, 200), (e) => isBootmedicError(e, 'HV_QMP_TIMEOUT'));
    fake.dropClients();
    await qmp.closed;
    await assert.rejects(qmp.execute('query-status'), (e) => isBootmedicError(e, 'HV_QMP_CLOSED'));
  } finally {
    await fake.close();
  }
});

test('a socket that never greets times out; a non-QMP greeting is a protocol error', async () => {
  const silent = await startFakeQmp({ silent: true });
  const garbage = await startFakeQmp({ rawGreeting: '\u0000\u00ffnot json at all\n' });
  try {
    await assert.rejects(connectQmp(silent.path, { timeoutMs: 300 }), (e) => isBootmedicError(e, 'HV_QMP_TIMEOUT'));
    await assert.rejects(connectQmp(garbage.path, { timeoutMs: 3000 }), (e) => isBootmedicError(e, 'HV_QMP_PROTOCOL'));
    await assert.rejects(connectQmp(`${silent.path}.absent`, { timeoutMs: 3000 }), (e) => isBootmedicError(e, 'HV_QMP_CONNECT'));
  } finally {
    await silent.close();
    await garbage.close();
  }
});
