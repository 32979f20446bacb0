#!/usr/bin/env node
// Entry point for `npx bootmedic`. Node 24 strips the TypeScript types itself, so the
// CLI runs from source. When an older node is first on PATH (npm puts the project's
// node_modules/.bin first, where setup installs Node 24), we refuse with the fix.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`bootmedic: needs Node.js 24 or newer, this is ${process.version}. Run scripts/setup.sh, then use 'npx bootmedic' from the repository.\n`);
  process.exit(64);
}
// `bootmedic … | head` closes our stdout early; that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
