// web/'s door for Node code (tests, bench): the dashboard's in-browser ledger verifier,
// which is plain TypeScript over WebCrypto and runs under Node too.
export { checkInclusion, parseCheckpointNote, parseVkey, decodeHash, rootFromInclusionProof, leafHash, canonicalJson, toHex } from './src/verify.ts';
export type { ProofCheck, ProofInput } from './src/verify.ts';
export { firstLoadSize, FIRST_LOAD_BUDGET } from './size.ts';
export type { FirstLoad, AssetSize } from './size.ts';
// The page's pure parts: the adapters from the server's JSON, and the formatters.
export { toBootRow, toBoot, toConsole, toIncident, toIncidentList, toHandOver, markdownBlocks, explanationLines, toLedgerHead, toEntries, toProof } from './src/adapt.ts';
export { fleetOrder, tone, dur } from './src/format.ts';
