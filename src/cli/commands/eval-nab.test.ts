import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../testkit/index.ts';

// A synthesised NAB-shaped folder (no NAB data is copied): two series of 400 points, one
// with a level jump inside its window, one without windows.
function nabFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bm-nab-'));
  mkdirSync(join(dir, 'data', 'synth'), { recursive: true });
  mkdirSync(join(dir, 'labels'));
  const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
  const rows = (f: (i: number) => number) => ['timestamp,value', ...Array.from({ length: 400 }, (_, i) => `${stamp(i)},${f(i)}`)].join('\n') + '\n';
  writeFileSync(join(dir, 'data', 'synth', 'jump.csv'), rows((i) => (i < 300 ? 10 + (i % 7) : 60 + (i % 7))));
  writeFileSync(join(dir, 'data', 'synth', 'calm.csv'), rows((i) => 5 + (i % 3)));
  const windows = { 'synth/jump.csv': [[`${stamp(280)}.000000`, `${stamp(319)}.000000`]], 'synth/calm.csv': [] };
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(windows));
  return dir;
}

test('eval nab --json prints the three profile scores and the series count', async () => {
  const dir = nabFolder();
  try {
    const r = await runCli(['eval', 'nab', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, number>;
    assert.equal(j['series'], 2);
    // The jump is new to every quantiser: caught early in its window, no false alarm.
    assert.ok(j['standard']! > 90, `standard ${j['standard']}`);
    assert.ok(j['rewardLowFP']! > 90 && j['rewardLowFN']! > 90);
    const human = await runCli(['eval', 'nab', dir]);
    assert.match(human.stdout, /standard\s+9\d\.\d/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval nab --out writes NAB results files: timestamp,value,anomaly_score,label', async () => {
  const dir = nabFolder();
  const out = join(dir, 'results');
  try {
    assert.equal((await runCli(['eval', 'nab', dir, '--out', out])).code, 0);
    const file = join(out, 'bootmedic', 'synth', 'bootmedic_jump.csv');
    assert.ok(existsSync(file));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'timestamp,value,anomaly_score,label');
    assert.equal(lines.length, 401);
    assert.equal(lines[1], '2024-01-01 00:00:00,10,0,0');
    assert.match(lines[281]!, /,1$/);
    assert.match(lines[321]!, /,0$/);
    assert.ok(existsSync(join(out, 'bootmedic', 'synth', 'bootmedic_calm.csv')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval nab: bad input gets one catalogued line and exit 65, no stack trace', async () => {
  const labels = (text: string) => (d: string) => writeFileSync(join(d, 'labels', 'combined_windows.json'), text);
  const series = (text: string) => (d: string) => writeFileSync(join(d, 'data', 'synth', 'jump.csv'), text);
  const cases: [string, (d: string) => void, RegExp][] = [
    ['missing data folder', (d) => rmSync(join(d, 'data'), { recursive: true }), /cannot read .*data: NAB data folder .*: no such file/],
    ['malformed CSV', series('timestamp,value\n2024-01-01 00:00:00,abc\n'), /jump\.csv:2: 'abc' is not a number/],
    ['bad header', series('time,v\n'), /jump\.csv:1: the header/],
    ['bad timestamp', series('timestamp,value\n01/01/2024,3\n'), /jump\.csv:2: '01\/01\/2024' is not a timestamp/],
    ['missing labels', (d) => rmSync(join(d, 'labels', 'combined_windows.json')), /combined_windows\.json: cannot be read/],
    ['labels not JSON', labels('{'), /combined_windows\.json: not a JSON object/],
    ['series without labels', labels('{"synth/calm.csv": []}'), /synth\/jump\.csv: no entry for this series/],
    ['window off the series', labels('{"synth/calm.csv": [], "synth/jump.csv": [["2030-01-01 00:00:00.000000", "2030-01-02 00:00:00.000000"]]}'), /window edge 2030-01-01 00:00:00\.000000 is not a timestamp/],
  ];
  for (const [what, damage, message] of cases) {
    const dir = nabFolder();
    try {
      damage(dir);
      const r = await runCli(['eval', 'nab', dir, '--json']);
      assert.equal(r.code, 65, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, /\n {2}fix: /, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
      assert.equal(r.stdout, '', what);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('eval nab: usage mistakes exit 64', async () => {
  assert.equal((await runCli(['eval', 'nab'])).code, 64);
  assert.equal((await runCli(['eval', 'nab', 'a', 'b'])).code, 64);
  assert.equal((await runCli(['eval', 'titles', 'x', '--out', 'y'])).code, 64);
  assert.equal((await runCli(['eval', 'nab', 'x', '--min-accuracy', '0.5'])).code, 64);
});
