// `bootmedic <command> --help` and `-h` for every command in the command table, so a new
// command is covered without touching this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../testkit/index.ts';
import { COMMANDS } from './commands/index.ts';
import { EXIT } from './exit-codes.ts';

for (const [name, entry] of Object.entries(COMMANDS)) {
  test(`bootmedic ${name} --help and -h print its usage and summary, exit 0, and run nothing`, async () => {
    const { command } = await entry.load();
    const viaHelp = await runCli(['help', name]);
    assert.equal(viaHelp.code, EXIT.ok);
    for (const argv of [[name, '--help'], [name, '-h'], [name, 'some-arg', '--json', '--help']]) {
      const r = await runCli(argv);
      assert.equal(r.code, EXIT.ok, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '', argv.join(' '));
      assert.ok(r.stdout.startsWith(`usage: bootmedic ${name}`), r.stdout);
      assert.ok(r.stdout.includes(command.summary), r.stdout);
      assert.equal(r.stdout, viaHelp.stdout, 'the same text as bootmedic help <command>');
    }
  });
}

test("a --help after '--' is an argument, not a request for help", async () => {
  const r = await runCli(['analyze', '--', '--help']);
  assert.notEqual(r.code, EXIT.ok);
  assert.doesNotMatch(r.stdout, /^usage:/);
});

test("the top-level help's line for run says what run does (boot the tiny guest, then a demo drill)", async () => {
  const r = await runCli(['--help']);
  const line = r.stdout.split('\n').find((l) => /^\s+run\s/.test(l)) ?? '';
  assert.match(line, /tiny guest/);
  assert.match(line, /demo drill/);
  assert.doesNotMatch(line, /Set up nothing/);
});
