// The one shape of a "verified / not verified" answer (a ledger, an exported log, a
// catalogue image): `ok` and the problems found, beside what the check measured.

/**
 * The outcome of a verification: `ok` is true exactly when `problems` is empty;
 * `Facts` are what the check measured on the way (sizes, counts, the thing's id).
 */
export type VerifyResult<Problem, Facts extends object = object> = Readonly<Facts & { ok: boolean; problems: Problem[] }>;
