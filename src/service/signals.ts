import type { Logger } from './log.ts';
import type { Service } from './types.ts';

/**
 * Reloads the service on SIGHUP (what `systemctl reload` sends), logging what changed or why
 * the new config was refused; returns the unbinding. SIGTERM and SIGINT are the command's
 * (the CLI aborts its signal on them; `serve` then calls `service.close()`).
 * @example
 * const unbind = reloadOnSighup(service, log);
 * ctx.signal.addEventListener('abort', () => void service.close().finally(unbind));
 */
export function reloadOnSighup(service: Pick<Service, 'reload'>, log: Logger, proc: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
  const onHup = () => {
    log.info('SIGHUP: reloading the config');
    // reload() never rejects: a bad config comes back as `error` and is logged by the service.
    void service.reload();
  };
  proc.on('SIGHUP', onHup);
  return () => void proc.off('SIGHUP', onHup);
}
