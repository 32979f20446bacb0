// Child process of kill-resume.test.ts: heals VM 'tiny' on the store in <home> against a
// scripted target and hangs at <point> (inside the action of <remedy>, or in the boot that
// verifies it), printing `hanging` so the parent can SIGKILL it there.
import { openStore } from '../../store/index.ts';
import { createFakeHealTarget, diagnosisFor, remedyContext } from '../../../testkit/index.ts';
import { createHealer } from '../index.ts';

const [home, point, remedy] = process.argv.slice(2);
if (home === undefined || (point !== 'apply' && point !== 'boot') || remedy === undefined) throw new Error('usage: heal-until-killed.ts <home> apply|boot <remedy>');
const hang = (): Promise<never> => {
  process.stdout.write('hanging\n');
  setInterval(() => {}, 60_000);
  return new Promise(() => {});
};
const store = openStore({ home });
const fake = createFakeHealTarget({ context: remedyContext({ changed: ['cmdline'] }) });
const target = {
  ...fake.target,
  apply: async (...a: Parameters<typeof fake.target.apply>) => (point === 'apply' && a[0].id === remedy ? hang() : fake.target.apply(...a)),
  bootAndWait: async (signal?: AbortSignal) => (point === 'boot' && fake.applied.at(-1) === remedy ? hang() : fake.target.bootAndWait(signal)),
};
await createHealer({ incidents: store.incidents, sleep: async () => {} }).heal({ vm: 'tiny', target, diagnosis: diagnosisFor({ 'insufficient-memory': 0.5, 'wrong-cmdline': 0.4 }) });
process.stdout.write('ended without hanging\n');
