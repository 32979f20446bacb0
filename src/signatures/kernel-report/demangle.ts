// Turns mangled C++ (Itanium) and Rust (v0) symbol names in stack frames into readable
// paths without parameters, so titles name "fakeName" or "<Foo as Bar>::baz" rather than
// "_Z8fakeNameiii". Anything not understood is returned unchanged. Grammars: the Itanium
// C++ ABI (itanium-cxx-abi.github.io, <nested-name>/<source-name>) and Rust RFC 2603.

const MAX_DEPTH = 64;

/** Demangles `sym` when it is a C++ or Rust v0 symbol; otherwise returns it as is. */
export function demangle(sym: string): string {
  try {
    if (sym.startsWith('_R')) return new RustV0(sym.slice(2)).symbol() ?? sym;
    if (sym.startsWith('_Z')) return itanium(sym.slice(2)) ?? sym;
  } catch {
    // A malformed symbol is kept verbatim.
  }
  return sym;
}

function readDecimal(s: string, at: number): [number, number] | undefined {
  let i = at;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === at) return undefined;
  return [Number(s.slice(at, i)), i];
}

// Only the name part: <source-name> or N <source-name>+ E, with a leading L (internal linkage) allowed.
function itanium(s: string): string | undefined {
  let i = s[0] === 'L' ? 1 : 0;
  const names: string[] = [];
  const nested = s[i] === 'N';
  if (nested) {
    i++;
    while (i < s.length && 'rVKRO'.includes(s[i]!)) i++; // cv- and ref-qualifiers
  }
  for (;;) {
    const d = readDecimal(s, i);
    if (d === undefined) break;
    const [len, at] = d;
    if (len <= 0 || at + len > s.length) return undefined;
    names.push(s.slice(at, at + len));
    i = at + len;
    if (!nested) break;
  }
  if (names.length === 0) return undefined;
  if (nested && s[i] !== 'E') return undefined;
  return names.join('::');
}

const BASIC: Record<string, string> = {
  a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize',
  l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64', y: 'u64', z: '!', p: '_',
};

class RustV0 {
  private pos = 0;
  private depth = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }

  symbol(): string | undefined {
    if (this.peek() >= '0' && this.peek() <= '9') this.decimal(); // encoding version
    const p = this.path();
    return p;
  }

  private peek(): string { return this.s[this.pos] ?? ''; }
  private next(): string {
    const c = this.s[this.pos];
    if (c === undefined) throw new Error('end of symbol');
    this.pos++;
    return c;
  }
  private eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
  private decimal(): number {
    const d = readDecimal(this.s, this.pos);
    if (d === undefined) throw new Error('decimal expected');
    this.pos = d[1];
    return d[0];
  }
  private base62(): number {
    if (this.eat('_')) return 0;
    let n = 0;
    for (;;) {
      const c = this.next();
      if (c === '_') return n + 1;
      const v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 87 : c >= 'A' && c <= 'Z' ? c.charCodeAt(0) - 29 : -1;
      if (v < 0) throw new Error('base62 digit expected');
      n = n * 62 + v;
    }
  }
  private disambiguator(): void {
    if (this.eat('s')) this.base62();
  }
  private ident(): string {
    this.disambiguator();
    this.eat('u');
    const len = this.decimal();
    this.eat('_');
    const out = this.s.slice(this.pos, this.pos + len);
    if (out.length !== len) throw new Error('short identifier');
    this.pos += len;
    return out;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new Error('too deep');
  }
  private backref<T>(fn: () => T): T {
    const target = this.base62();
    if (target >= this.pos) throw new Error('forward backref');
    const saved = this.pos;
    this.pos = target;
    try {
      return fn();
    } finally {
      this.pos = saved;
    }
  }

  path(): string {
    this.enter();
    try {
      const tag = this.next();
      switch (tag) {
        case 'C': return this.ident();
        case 'M': { this.disambiguator(); this.path(); return `<${this.type()}>`; }
        case 'X': { this.disambiguator(); this.path(); const t = this.type(); return `<${t} as ${this.path()}>`; }
        case 'Y': { const t = this.type(); return `<${t} as ${this.path()}>`; }
        case 'N': {
          const ns = this.next();
          const parent = this.path();
          const name = this.ident();
          if (ns >= 'A' && ns <= 'Z' && ns !== 'V' ) {
            // Special namespaces: closures and shims show as {closure} / {shim}.
            const kind = ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns;
            return `${parent}::{${kind}${name === '' ? '' : `:${name}`}}`;
          }
          return name === '' ? parent : `${parent}::${name}`;
        }
        case 'I': {
          const p = this.path();
          const args: string[] = [];
          while (!this.eat('E')) args.push(this.genericArg());
          return `${p}<${args.join(', ')}>`;
        }
        case 'B': return this.backref(() => this.path());
        default: throw new Error(`unknown path tag ${tag}`);
      }
    } finally {
      this.depth--;
    }
  }

  private genericArg(): string {
    if (this.eat('L')) { this.base62(); return "'_"; }
    if (this.eat('K')) return this.constant();
    return this.type();
  }

  private constant(): string {
    if (this.eat('B')) return this.backref(() => this.constant());
    if (this.eat('p')) return '_';
    this.type();
    this.eat('n');
    let hex = '';
    while (this.peek() !== '_') hex += this.next();
    this.next();
    return hex === '' ? '0' : String(parseInt(hex.slice(0, 12), 16));
  }

  type(): string {
    this.enter();
    try {
      const c = this.peek();
      const basic = BASIC[c];
      if (basic !== undefined) { this.pos++; return basic; }
      switch (c) {
        case 'A': { this.pos++; const t = this.type(); return `[${t}; ${this.constant()}]`; }
        case 'S': { this.pos++; return `[${this.type()}]`; }
        case 'T': {
          this.pos++;
          const ts: string[] = [];
          while (!this.eat('E')) ts.push(this.type());
          return `(${ts.join(', ')}${ts.length === 1 ? ',' : ''})`;
        }
        case 'R': case 'Q': {
          this.pos++;
          if (this.eat('L')) this.base62();
          return `&${c === 'Q' ? 'mut ' : ''}${this.type()}`;
        }
        case 'P': { this.pos++; return `*const ${this.type()}`; }
        case 'O': { this.pos++; return `*mut ${this.type()}`; }
        case 'B': { this.pos++; return this.backref(() => this.type()); }
        default: return this.path();
      }
    } finally {
      this.depth--;
    }
  }
}
