// Every virsh call of bootmedic: `virsh -c <uri> <args...>` through the one host-tool
// runner (argument arrays, its own process group, always reaped, and killed by the kernel
// when bootmedic dies: a service killed with -9 leaves no virsh event stream behind). virsh's
// error lines become typed errors here, in one place: an unreachable URI, a missing domain, the rest.
import { isBootmedicError, lastLines, runTool, runToolSync, type ToolResult } from '../core/index.ts';
import { libvirtErrors, START_LIBVIRTD } from './errors.ts';

/** The URI bootmedic uses when none is given: the system QEMU driver. */
export const DEFAULT_URI = 'qemu:///system';

export type VirshOptions = {
  signal?: AbortSignal;
  /** Default 30 s: a libvirtd that hangs must not hang bootmedic. */
  timeoutMs?: number;
  /** What the call is for, in messages. */
  what?: string;
};

// virsh's own words (libvirt 9.0) for a URI it cannot reach: no daemon, no socket, no
// driver for the scheme, a refused or failed remote connection.
const UNREACHABLE = /failed to connect to the hypervisor|Failed to connect socket|no connection driver available|unable to connect to server|Connection refused|authentication (?:failed|unavailable)|End of file while reading data|Cannot recv data|client socket is closed/i;
const NO_DOMAIN = /failed to get domain|Domain not found|no domain with matching/i;

/** Turns a failed virsh run into the libvirt error it means. */
export function virshError(uri: string, args: readonly string[], r: Pick<ToolResult, 'code' | 'stderr' | 'stdout'>) {
  const text = `${r.stderr}\n${r.stdout}`;
  const said = (lastLines(r.stderr, 3) || lastLines(r.stdout, 3) || `exit ${r.code}`).replace(/(^|\/ )error: /g, '$1');
  if (UNREACHABLE.test(text)) {
    return libvirtErrors.make('LIBVIRT_URI_UNREACHABLE', `libvirt URI ${uri} is unreachable: ${said}`, { fix: `Check the URI and ${START_LIBVIRTD}.`, details: { uri, args: [...args] } });
  }
  if (NO_DOMAIN.test(text)) {
    const dom = domainArg(args);
    return libvirtErrors.make('LIBVIRT_DOMAIN_NOT_FOUND', `libvirt URI ${uri} has no domain${dom !== undefined ? ` '${dom}'` : ''}: ${said}`, { fix: `List the domains with 'virsh -c ${uri} list --all' and use one of their names.`, details: { uri, args: [...args] } });
  }
  return libvirtErrors.make('LIBVIRT_VIRSH_FAILED', `virsh -c ${uri} ${args.slice(0, 3).join(' ')} failed: ${said}`, { details: { uri, args: [...args], code: r.code } });
}

/** The domain a virsh command line names (`--domain D` or the first argument after the command). */
function domainArg(args: readonly string[]): string | undefined {
  const i = args.indexOf('--domain');
  if (i >= 0) return args[i + 1];
  return args.slice(1).find((a) => !a.startsWith('-'));
}

/**
 * Runs one virsh command against `uri` and returns its output; a failure is
 * LIBVIRT_URI_UNREACHABLE, LIBVIRT_DOMAIN_NOT_FOUND or LIBVIRT_VIRSH_FAILED (a missing
 * virsh is TOOL_MISSING naming libvirt-clients).
 * @example
 * const names = (await virsh('qemu:///system', ['list', '--all', '--name'])).stdout;
 */
export async function virsh(uri: string, args: readonly string[], o: VirshOptions = {}): Promise<ToolResult> {
  const r = await runTool('virsh', ['-c', uri, ...args], {
    check: false,
    dieWithParent: true,
    timeoutMs: o.timeoutMs ?? 30_000,
    graceMs: 1000,
    maxOutputBytes: 16 << 20,
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    ...(o.what !== undefined ? { what: o.what } : {}),
  });
  if (r.code !== 0) throw virshError(uri, args, r);
  return r;
}

/** The synchronous form, for callers that cannot wait (test hooks, exit paths). */
export function virshSync(uri: string, args: readonly string[], o: Omit<VirshOptions, 'signal'> = {}): ToolResult {
  const r = runToolSync('virsh', ['-c', uri, ...args], { check: false, timeoutMs: o.timeoutMs ?? 30_000, maxOutputBytes: 16 << 20, ...(o.what !== undefined ? { what: o.what } : {}) });
  if (r.code !== 0) throw virshError(uri, args, r);
  return r;
}

/**
 * Runs a long-lived virsh command (`event --loop`, `qemu-monitor-event --loop`) and hands
 * each output line to `onLine` as it arrives. Resolves with how it ended when virsh exits
 * (libvirtd restarted: the stream ends), or when `signal` aborts (virsh is stopped and reaped).
 */
export async function virshStream(uri: string, args: readonly string[], o: { signal: AbortSignal; onLine: (line: string) => void }): Promise<{ ended: 'exit' | 'aborted'; code?: number; stderr?: string; error?: Error }> {
  try {
    const r = await runTool('virsh', ['-c', uri, ...args], { check: false, dieWithParent: true, signal: o.signal, onLine: o.onLine, overflow: 'tail', maxOutputBytes: 64 << 10, graceMs: 1000 });
    return { ended: 'exit', code: r.code, stderr: r.stderr, ...(r.code !== 0 ? { error: virshError(uri, args, r) } : {}) };
  } catch (e) {
    if (isBootmedicError(e, 'TOOL_ABORTED')) return { ended: 'aborted' };
    throw e;
  }
}
