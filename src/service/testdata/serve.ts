// Child process of service-vm.test.ts: runs the service on <home> with <config> and prints
// every hub event except console lines as one JSON line on stdout, so the parent can
// SIGKILL it at a chosen moment (mid-heal). SIGTERM closes it cleanly.
import { resolveAppConfig } from '../../config/index.ts';
import { createService, loadServiceConfig } from '../index.ts';

const [home, file] = process.argv.slice(2);
if (home === undefined || file === undefined) throw new Error('usage: serve.ts <home> <config.yaml>');
const app = resolveAppConfig({ home });
const service = await createService(app, loadServiceConfig({ file, home }));
service.hub.subscribe(({ event }) => {
  if (event.kind !== 'console') process.stdout.write(`${JSON.stringify(event)}\n`);
});
process.on('SIGTERM', () => void service.close().then(() => process.exit(0)));
setInterval(() => {}, 60_000);
