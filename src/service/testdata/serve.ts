// Child process of testkit's serveChild: runs the service on <home> with <config> and prints
// every hub event except console lines as one JSON line on stdout, so the parent can
// SIGKILL it at a chosen moment (mid-heal), reload it with SIGHUP, or stop it with SIGTERM
// (exit 0 once close() has reaped every QEMU). Logs go to stderr as JSON lines. An optional
// third argument, comma-separated libvirt domain names, keeps the libvirt fleet to them (a
// libvirtd shared with other tests).
import { resolveAppConfig } from '../../config/index.ts';
import { createLogger, createService, loadServiceConfig, reloadOnSighup } from '../index.ts';

const [home, file, domains] = process.argv.slice(2);
if (home === undefined || file === undefined) throw new Error('usage: serve.ts <home> <config.yaml> [libvirt-domain,...]');
const only = domains === undefined ? undefined : new Set(domains.split(','));
const app = resolveAppConfig({ home });
const log = createLogger({ stream: process.stderr, json: true });
const service = await createService(app, loadServiceConfig({ file, home }), { log, ...(only !== undefined ? { libvirtDomains: (d: string) => only.has(d) } : {}) });
service.hub.subscribe(({ event }) => {
  if (event.kind !== 'console') process.stdout.write(`${JSON.stringify(event)}\n`);
}, { since: 0 });
const unbind = reloadOnSighup(service, log);
const keepAlive = setInterval(() => {}, 60_000);
process.once('SIGTERM', () => {
  unbind();
  void service.close().then(() => {
    clearInterval(keepAlive);
    process.stdout.write('closed\n');
  });
});
