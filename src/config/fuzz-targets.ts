// Fuzz targets for the VM file loader: YAML texts of spec-shaped objects whose fields have
// right or wrong types, the shipped examples with byte edits, and any text; and
// parseVmSpec on any value. Alias bombs (deeply nested anchors) are left to the config
// size/depth limits, which are tested on their own; these generators nest no aliases.
import { fileErrors } from '../core/index.ts';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { codesOf, type FuzzTarget } from '../../testkit/index.ts';
import { mutationArb, withMutation, type Mutation } from '../../testkit/index.ts';
import { configErrors } from './errors.ts';
import { loadVmSpec, parseVmSpec } from './vm-spec.ts';

const codes = codesOf(configErrors, fileErrors);

/** Spec-shaped objects: every field of vm-spec.ts, each a plausible value or any JSON value. */
const specArb = fc.record(
  {
    name: fc.oneof(fc.constantFrom('tiny', 'a.b-c_1', 'Bad Name', ''), fc.jsonValue()),
    guest: fc.oneof(fc.constantFrom('tiny', 'debian', 'windows'), fc.jsonValue()),
    kernel: fc.oneof(fc.constantFrom('vmlinuz', '/boot/vmlinuz', ''), fc.jsonValue()),
    initrd: fc.oneof(fc.constantFrom('none', 'initrd.img'), fc.jsonValue()),
    disks: fc.oneof(fc.array(fc.record({ path: fc.oneof(fc.constant('disk.qcow2'), fc.jsonValue()), format: fc.oneof(fc.constantFrom('qcow2', 'raw', 'vmdk'), fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 3 }), fc.jsonValue()),
    firmware: fc.oneof(fc.constantFrom('bios', 'uefi'), fc.jsonValue()),
    secureBoot: fc.oneof(fc.boolean(), fc.jsonValue()),
    machine: fc.oneof(fc.constantFrom('q35', 'pc'), fc.jsonValue()),
    memoryMiB: fc.oneof(fc.integer({ min: -10, max: 2_000_000 }), fc.double(), fc.jsonValue()),
    cpus: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.jsonValue()),
    ready: fc.oneof(fc.constant({ type: 'marker', text: 'ok' }), fc.record({ type: fc.oneof(fc.constantFrom('marker', 'login', 'systemd-target'), fc.jsonValue()), text: fc.jsonValue(), target: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue()),
    stall: fc.oneof(fc.record({ defaultSeconds: fc.jsonValue(), factor: fc.oneof(fc.double(), fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue()),
    qemuArgs: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
    unknownField: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

let examples: Buffer[] | undefined;
function exampleFiles(): Buffer[] {
  if (examples !== undefined) return examples;
  const dir = new URL('../../examples/', import.meta.url);
  examples = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => readFileSync(new URL(f, dir)));
  return examples;
}

let dir: string | undefined;
function tempDir(): string {
  if (dir === undefined) {
    const d = mkdtempSync(join(tmpdir(), 'bootmedic-fuzz-vm-'));
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
    dir = d;
  }
  return dir;
}

/** A VM file's text: a spec-shaped object as YAML, an example with byte edits, or any text. */
export type VmFileInput = { yaml: string } | { example: number; m: Mutation };

/** loadVmSpec on a VM file: a VmSpec, or a CONFIG_* error. */
export const vmSpecTarget: FuzzTarget<VmFileInput> = {
  name: 'vm-spec',
  codes,
  arbitrary: () =>
    (exampleFiles(), tempDir(),
    fc.oneof(
      { weight: 3, arbitrary: specArb.map((o) => ({ yaml: stringify(o) })) },
      { weight: 2, arbitrary: fc.record({ example: fc.nat(), m: mutationArb({ bigEndian: false, maxEdits: 6, cutChance: 0.2 }) }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map((yaml) => ({ yaml })) },
    )),
  size: (input) => ('yaml' in input ? Buffer.byteLength(input.yaml) : exampleFiles()[input.example % exampleFiles().length]!.length),
  run(input) {
    const path = join(tempDir(), 'vm.yaml');
    if ('yaml' in input) writeFileSync(path, input.yaml);
    else {
      const e = exampleFiles()[input.example % exampleFiles().length]!;
      withMutation(e, [[0, e.length]], input.m, (b) => writeFileSync(path, b));
    }
    loadVmSpec(path);
  },
  grow: (n) => ({ yaml: `name: tiny\nguest: tiny\nqemuArgs:\n${'  - "-no-reboot"\n'.repeat(Math.floor(n / 18))}` }),
};

/** parseVmSpec on any value (what a JSON API would hand it). */
export const vmSpecValueTarget: FuzzTarget<unknown> = {
  name: 'vm-spec-value',
  codes,
  arbitrary: () => fc.oneof(specArb, fc.anything()),
  size: (v) => (JSON.stringify(v) ?? '').length,
  run(v) {
    parseVmSpec(v, 'fuzz', '/tmp');
  },
};
