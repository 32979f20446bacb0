// The ledger's only door: a tamper-evident transparency log (RFC 9162 Merkle tree, C2SP
// checkpoints signed with Ed25519, C2SP tlog-tiles, witness cosignatures). It depends on
// nothing of ours but core/.
export { openLedger, Ledger, ledgerPaths } from './ledger.ts';
export type { LedgerOptions, InclusionProof, ConsistencyProof } from './ledger.ts';
export { ENTRY_SCHEMA, encodeEntry, decodeEntry } from './entry.ts';
export type { LedgerEntryInput, LedgerEntry, LedgerEntryType } from './entry.ts';
export { ledgerErrors } from './errors.ts';
export type { LedgerErrorCode } from './errors.ts';
export { verifyExport } from './verify.ts';
export { keepCosigned } from './witnessed.ts';
export type { LedgerVerifyResult, VerifyProblem, ExportVerifyOptions } from './verify.ts';
export { verifyInclusion, verifyConsistency, rootFromInclusionProof } from './proof-verify.ts';
export { leafHash, nodeHash, EMPTY_ROOT } from './hash.ts';
export { parseCheckpoint, formatCheckpoint } from './checkpoint.ts';
export type { Checkpoint } from './checkpoint.ts';
export { openNote, parseNote, signNote } from './note.ts';
export { parseVkey, parseSkey, generateSkey, SIG_TYPE } from './keys.ts';
export type { Verifier, Signer } from './keys.ts';
export { formatTlogProof, parseTlogProof, verifyTlogProof } from './tlog-proof.ts';
