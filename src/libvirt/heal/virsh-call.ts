import { runTool, type ToolResult } from '../../core/index.ts';

// TODO(libvirt-watch merge): replace with the part's own virsh runner (same signature).
export async function virsh(uri: string, args: readonly string[], o: { signal?: AbortSignal; timeoutMs?: number; what?: string } = {}): Promise<ToolResult> {
  return runTool('virsh', ['-c', uri, ...args], { timeoutMs: o.timeoutMs ?? 30_000, ...(o.signal ? { signal: o.signal } : {}) });
}
