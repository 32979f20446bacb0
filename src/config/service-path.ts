import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where `bootmedic serve` looks for its config when --config is not given: the system
 * path for root, the XDG config folder otherwise. A missing file there means the
 * embedded defaults (a missing file given with --config is an error).
 * @example
 * defaultServiceConfigPath(); // '/etc/bootmedic/bootmedic.yaml' as root
 */
export function defaultServiceConfigPath(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  if (uid === 0) return '/etc/bootmedic/bootmedic.yaml';
  const xdg = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return resolve(xdg, 'bootmedic', 'bootmedic.yaml');
}
