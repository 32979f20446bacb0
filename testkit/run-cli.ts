// Runs the bootmedic CLI in-process with captured output, for tests of commands.
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/index.ts';

/** Runs `bootmedic <argv>` and returns its exit code and what it printed. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(argv, { stdout: out, stderr: err, stdin: new PassThrough() });
  return { code, stdout, stderr };
}
