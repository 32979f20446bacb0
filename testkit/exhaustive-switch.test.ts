// A switch over a tagged union (on its `type` or `kind` tag) ends in `default:
// assertNever(...)` from core/ (STYLE.md "Types and errors"), so a new member of the union
// is a type error where it is not handled: a source scan of src/, testkit/, bench/ and
// scripts/ (tests excluded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The text inside the block whose `{` is at `open`, skipping strings, templates and comments. */
function blockAt(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
    } else if (c === "'" || c === '"' || c === '`') {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return src.slice(open + 1, i);
    }
  }
  throw new Error(`no end to the block at offset ${open}`);
}

/** `<what>.<tag>` of each switch over a `type`/`kind` tag in `src` that does not end in assertNever. */
export function openSwitches(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(/switch \(([\w.]+\.(?:type|kind))\) \{/g)) {
    if (!/default:\s*(?:return\s+)?assertNever\(/.test(blockAt(src, m.index + m[0].length - 1))) out.push(m[1]!);
  }
  return out;
}

test('the scan tells a closed switch from an open one, past braces in strings and comments', () => {
  const closed = "switch (e.type) {\n case 'a': return '{'; // }\n default:\n assertNever(e, 'event');\n}";
  const open = "switch (ev.kind) {\n case 'a': return `}`;\n case 'b': break;\n}\nassertNever(x);";
  assert.deepEqual(openSwitches(closed), []);
  assert.deepEqual(openSwitches(open), ['ev.kind']);
});

test('every switch over a tagged union ends in assertNever', () => {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'src', 'testkit', 'bench', 'scripts'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && existsSync(join(root, f)));
  const open = files.flatMap((f) => openSwitches(readFileSync(join(root, f), 'utf8')).map((s) => `${f}: switch (${s})`));
  assert.deepEqual(open, [], "end these with `default: assertNever(<value>, '<what>')` (core/index.ts)");
});
