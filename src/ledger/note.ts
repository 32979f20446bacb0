// C2SP signed-note: the text (UTF-8, ending in a newline, no other control characters),
// one blank line, then one or more lines "— <key name> <base64(key ID || signature)>".
import { ledgerErrors } from './errors.ts';
import { decodeBase64Strict, isValidKeyName, type Signer, type Verifier } from './keys.ts';

/** One signature line of a note. */
export type NoteSignature = Readonly<{ name: string; keyId: Buffer; sig: Buffer; line: string }>;

/** A note split into its text and its signature lines (nothing verified yet). */
export type ParsedNote = Readonly<{ text: string; signatures: NoteSignature[] }>;

/** A note whose signatures from known keys all verified (at least one did). */
export type OpenedNote = ParsedNote & Readonly<{ verifiedBy: Verifier[] }>;

const DASH = '\u2014 ';
// Go's note package refuses notes with more signatures than this; so do we.
const MAX_SIGNATURES = 100;

function bad(why: string) {
  return ledgerErrors.make('LEDGER_BAD_NOTE', `signed note: ${why}`);
}

/** Checks note text per C2SP signed-note; returns the reason it is invalid, or null. */
export function noteTextProblem(text: string): string | null {
  if (text.length === 0) return 'text is empty';
  if (!text.endsWith('\n')) return 'text does not end in a newline';
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) return 'text holds a control character';
  return null;
}

/** Parses a signed note without verifying it; malformed input throws LEDGER_BAD_NOTE. */
export function parseNote(note: string): ParsedNote {
  if (note.includes('\uFFFD')) throw bad('not valid UTF-8');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw bad('no blank line between the text and the signatures');
  const text = note.slice(0, split + 1);
  const problem = noteTextProblem(text);
  if (problem !== null) throw bad(problem);
  const sigText = note.slice(split + 2);
  if (!sigText.endsWith('\n')) throw bad('signature block does not end in a newline');
  const lines = sigText.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw bad(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(DASH)) throw bad(`signature line does not start with an em dash: ${JSON.stringify(line.slice(0, 40))}`);
    const rest = line.slice(DASH.length);
    const sp = rest.lastIndexOf(' ');
    const name = rest.slice(0, sp);
    if (sp <= 0 || !isValidKeyName(name)) throw bad(`signature line has a bad key name: ${JSON.stringify(line.slice(0, 60))}`);
    const raw = decodeBase64Strict(rest.slice(sp + 1));
    if (raw === undefined || raw.length < 5) throw bad(`signature of ${name} is not base64 of a key ID and a signature`);
    return Object.freeze({ name, keyId: raw.subarray(0, 4), sig: raw.subarray(4), line: `${line}\n` });
  });
  return Object.freeze({ text, signatures });
}

/**
 * Parses a note and verifies it: every signature by a known (name, key ID) must verify
 * (else LEDGER_BAD_SIGNATURE) and at least one must exist (else LEDGER_NO_SIGNATURE).
 * Signatures by unknown keys are ignored, as C2SP signed-note requires.
 */
export function openNote(note: string, verifiers: readonly Verifier[]): OpenedNote {
  const parsed = parseNote(note);
  const text = Buffer.from(parsed.text, 'utf8');
  const verifiedBy: Verifier[] = [];
  for (const s of parsed.signatures) {
    const v = verifiers.find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (v === undefined) continue;
    if (!v.verify(text, s.sig)) {
      throw ledgerErrors.make('LEDGER_BAD_SIGNATURE', `signed note: the signature of ${s.name} (key ${s.keyId.toString('hex')}) does not verify`);
    }
    if (!verifiedBy.includes(v)) verifiedBy.push(v);
  }
  if (verifiedBy.length === 0) {
    const names = parsed.signatures.map((s) => `${s.name}+${s.keyId.toString('hex')}`).join(', ');
    const want = verifiers.map((v) => `${v.name}+${v.keyId.toString('hex')}`).join(', ');
    throw ledgerErrors.make('LEDGER_NO_SIGNATURE', `signed note: no signature from ${want || 'a known key'} (signed by ${names})`);
  }
  return Object.freeze({ ...parsed, verifiedBy });
}

/** The signature line a signer adds to `text` (with a timestamp for cosignature keys). */
export function signatureLine(text: string, signer: Signer, time?: number): string {
  const sig = signer.sign(Buffer.from(text, 'utf8'), time);
  return `${DASH}${signer.name} ${Buffer.concat([signer.keyId, sig]).toString('base64')}\n`;
}

/** Signs note text with one or more signers and returns the whole note. */
export function signNote(text: string, signers: readonly Signer[]): string {
  const problem = noteTextProblem(text);
  if (problem !== null) throw bad(problem);
  return `${text}\n${signers.map((s) => signatureLine(text, s)).join('')}`;
}
