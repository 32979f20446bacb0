// CI fuzzing of the QMP client (fixed seed and run count; see testkit/fuzz.ts): the line
// decoder in process, then whole negotiations with a fake QEMU that answers
// qmp_capabilities with fuzzed replies: the client settles with an HV_* error or a session,
// and nothing is thrown where no one catches it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import { isBootmedicError } from '../../core/index.ts';
import { fuzzCheck, showInput } from '../../../testkit/index.ts';
import { startFakeQmp, type FakeReply } from '../../../testkit/index.ts';
import { qmpShapedArb, qmpTarget } from './fuzz-targets.ts';
import { connectQmp } from './qmp-client.ts';

const SEED = 20261207;

/** Connects to a fake QEMU whose capabilities reply is `reply` (plus the command's id); returns what connect settled with. */
async function negotiate(reply: unknown): Promise<string> {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  const fake = await startFakeQmp({ replies: { qmp_capabilities: () => reply as FakeReply } });
  try {
    const outcome = await connectQmp(fake.path, { timeoutMs: 200 }).then(
      (c) => {
        c.close();
        return 'connected';
      },
      (e: unknown) => {
        assert.ok(isBootmedicError(e) && e.code.startsWith('HV_'), `connect rejected with ${(e as Error)?.stack ?? String(e)}`);
        return e.code;
      },
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(uncaught, [], `an uncaught exception in the QMP client for the reply ${showInput(reply)}`);
    return outcome;
  } finally {
    process.off('uncaughtException', onUncaught);
    await fake.close();
  }
}

describe('fuzzing the QMP client', { timeout: 120_000 }, () => {
  it('decoder: 3000 lines', () => {
    fuzzCheck(qmpTarget, { seed: SEED, numRuns: 3000 });
  });
  it('an error reply of null to qmp_capabilities rejects with HV_QMP_ERROR (it threw a TypeError in the socket handler)', async () => {
    assert.equal(await negotiate({ error: null }), 'HV_QMP_ERROR');
    assert.equal(await negotiate({ error: 'boom' }), 'HV_QMP_ERROR');
  });
  it('negotiation: 25 fuzzed capabilities replies settle with a session or an HV_* error', async () => {
    await fc.assert(
      fc.asyncProperty(qmpShapedArb, async (reply) => {
        await negotiate(reply);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});
