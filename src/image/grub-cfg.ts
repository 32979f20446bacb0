// A tolerant reader of GRUB 2 configuration files (GRUB manual §6 "Shell-like scripting"):
// words split on blanks, '...' and "..." quoting, backslash escapes, '#' comments,
// `menuentry`/`submenu` blocks in braces. Only what inspection needs is kept.

/** One `menuentry` block. */
export type GrubMenuEntry = Readonly<{
  title: string;
  line: number;
  /** The kernel path of the `linux` (or linuxefi/linux16) command, without a (device) prefix. */
  linux: string | undefined;
  /** Kernel arguments after the path. */
  args: readonly string[];
  /** The value of root= among the args, e.g. "UUID=6a1f...". */
  root: string | undefined;
  initrds: readonly string[];
  /** `search ... --set=root <uuid>` or `set root=...` inside the entry. */
  searchUuid: string | undefined;
}>;

/** The parse result: entries and syntax problems (never throws). */
export type GrubConfig = Readonly<{
  entries: readonly GrubMenuEntry[];
  problems: readonly string[];
  defaultEntry: string | undefined;
  /** `search --fs-uuid --set=root <uuid>` outside any entry. */
  searchUuid: string | undefined;
  /** Files named by `configfile` or `source` outside any entry. */
  configfiles: readonly string[];
  /** The value of `set prefix=...`, if the config sets it. */
  prefix: string | undefined;
}>;

type Token = { word: string; line: number; quoted: boolean };

/** The index of `ch` in `text` at or after `from`, or the text's length when there is none. */
function indexOrEnd(text: string, ch: string, from: number): number {
  const at = text.indexOf(ch, from);
  return at < 0 ? text.length : at;
}

/** Splits grub.cfg text into words, reporting unterminated quotes. */
function tokenize(text: string, problems: string[]): Token[][] {
  const commands: Token[][] = [];
  let cur: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  let closeAt = -1; // the first '}' at or after where it was last looked for (n: none)
  let newlineAt = -1; // likewise the first newline
  const endCommand = () => {
    if (cur.length > 0) commands.push(cur);
    cur = [];
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') { line++; i++; endCommand(); continue; }
    if (c === ';') { i++; endCommand(); continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '{' || c === '}') { cur.push({ word: c, line, quoted: false }); endCommand(); i++; continue; }
    let word = '';
    let quoted = false;
    const startLine = line;
    while (i < n) {
      const d = text[i]!;
      if (d === ' ' || d === '\t' || d === '\r' || d === '\n' || d === ';') break;
      if ((d === '{' || d === '}') && word === '' && !quoted) break;
      if (d === '}' && !quoted) break;
      if (d === '$' && text[i + 1] === '{') {
        // ${name} variable reference: its braces are not block braces. The next '}' and
        // the next newline are found once and kept while `i` moves towards them, so that
        // many unclosed "${" do not each scan the rest of the text.
        if (closeAt < i + 2) closeAt = indexOrEnd(text, '}', i + 2);
        if (newlineAt < i) newlineAt = indexOrEnd(text, '\n', i);
        const end = closeAt === n || newlineAt < closeAt ? i + 1 : closeAt + 1;
        word += text.slice(i, end);
        i = end;
        continue;
      }
      if (d === '\\' && i + 1 < n) {
        if (text[i + 1] === '\n') line++;
        else word += text[i + 1];
        i += 2;
        continue;
      }
      if (d === "'" || d === '"') {
        quoted = true;
        const close = text.indexOf(d, i + 1);
        if (close < 0) {
          problems.push(`line ${line}: unterminated ${d === "'" ? 'single' : 'double'} quote`);
          word += text.slice(i + 1);
          i = n;
          break;
        }
        const inner = text.slice(i + 1, close);
        for (const ch of inner) if (ch === '\n') line++;
        word += d === '"' ? inner.replace(/\\(["\\$])/g, '$1') : inner;
        i = close + 1;
        continue;
      }
      word += d;
      i++;
    }
    cur.push({ word, line: startLine, quoted });
  }
  endCommand();
  return commands;
}

const stripDevice = (p: string) => p.replace(/^\([^)]*\)/, '');

function searchTarget(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const fsUuid = args.some((a) => a === '--fs-uuid' || a === '-u');
  return fsUuid ? words[words.length - 1] : undefined;
}

/** Parses grub.cfg text into menu entries and syntax problems. */
export function parseGrubCfg(text: string): GrubConfig {
  const problems: string[] = [];
  const commands = tokenize(text, problems);
  const entries: GrubMenuEntry[] = [];
  const stack: { kind: string; line: number }[] = [];
  let entry: { title: string; line: number; linux: string | undefined; args: string[]; initrds: string[]; searchUuid: string | undefined } | undefined;
  let defaultEntry: string | undefined;
  let topSearch: string | undefined;
  let prefix: string | undefined;
  const configfiles: string[] = [];
  for (const cmd of commands) {
    const words = cmd.map((t) => t.word);
    const head = words[0]!;
    const line = cmd[0]!.line;
    const opens = words[words.length - 1] === '{' && !cmd[cmd.length - 1]!.quoted;
    if (head === '}' && !cmd[0]!.quoted) {
      const top = stack.pop();
      if (top === undefined) problems.push(`line ${line}: '}' without an opening '{'`);
      else if (top.kind === 'menuentry' && entry !== undefined) {
        const root = entry.args.find((a) => a.startsWith('root='))?.slice(5);
        entries.push({ ...entry, root });
        entry = undefined;
      }
      continue;
    }
    if (head === 'menuentry' || head === 'submenu') {
      if (!opens) problems.push(`line ${line}: ${head} without '{'`);
      if (head === 'menuentry' && entry !== undefined) problems.push(`line ${line}: menuentry inside menuentry '${entry.title}' (a missing '}'?)`);
      const title = cmd.slice(1).find((t) => t.word !== '{' && !t.word.startsWith('--'))?.word ?? '';
      if (opens) stack.push({ kind: head, line });
      if (head === 'menuentry' && opens) entry = { title, line, linux: undefined, args: [], initrds: [], searchUuid: undefined };
      continue;
    }
    if (opens) { stack.push({ kind: head, line }); continue; } // function name { ... }
    if (words[0] === '{') { stack.push({ kind: 'block', line }); continue; }
    if ((head === 'linux' || head === 'linuxefi' || head === 'linux16') && entry !== undefined) {
      entry.linux = words[1] === undefined ? undefined : stripDevice(words[1]);
      entry.args = words.slice(2);
      if (words[1] === undefined) problems.push(`line ${line}: '${head}' without a kernel path`);
    } else if ((head === 'initrd' || head === 'initrdefi' || head === 'initrd16') && entry !== undefined) {
      entry.initrds = words.slice(1).map(stripDevice);
    } else if (head === 'search' || head === 'search.fs_uuid') {
      const uuid = head === 'search.fs_uuid' ? words[1] : searchTarget(words.slice(1));
      if (entry !== undefined) entry.searchUuid = uuid;
      else topSearch = uuid;
    } else if (head.startsWith('set') && words.length === 1 && head.startsWith('set default=')) {
      defaultEntry = head.slice('set default='.length);
    } else if (head === 'set' && words[1]?.startsWith('default=')) {
      defaultEntry = words[1].slice('default='.length);
    } else if (head === 'set' && words[1]?.startsWith('prefix=')) {
      prefix = words[1].slice('prefix='.length);
    } else if ((head === 'configfile' || head === 'source') && entry === undefined && words[1] !== undefined) {
      configfiles.push(stripDevice(words[1]));
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: '${open.kind}' block is never closed (unbalanced braces)`);
  if (entry !== undefined) problems.push(`menuentry '${entry.title}' at line ${entry.line} is never closed`);
  return { entries, problems, defaultEntry, searchUuid: topSearch, configfiles, prefix };
}

/** Writes a minimal grub.cfg booting `kernel` and `initrd` from the ESP with root=UUID=`rootUuid`. */
export function renderGrubCfg(o: { title: string; kernel: string; initrd: string | undefined; rootUuid: string; espUuid?: string; extraArgs?: readonly string[] }): string {
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const lines = ['# written by bootmedic image repair', 'set default=0', 'set timeout=1'];
  lines.push(`menuentry ${q(o.title)} {`);
  if (o.espUuid !== undefined) lines.push(`\tsearch --no-floppy --fs-uuid --set=root ${o.espUuid}`);
  lines.push(`\tlinux ${o.kernel} root=UUID=${o.rootUuid} ${(o.extraArgs ?? ['ro', 'console=ttyS0,115200']).join(' ')}`.trimEnd());
  if (o.initrd !== undefined) lines.push(`\tinitrd ${o.initrd}`);
  lines.push('}', '');
  return lines.join('\n');
}
